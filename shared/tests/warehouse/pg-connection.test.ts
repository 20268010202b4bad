import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../src/runtime';
import { urlHasPassword } from '../../src/warehouse';
import {
  createPgConnection,
  createPgWarehouse,
  pgConnectionSettings,
  secretPgConnection,
} from '../../src/warehouse/adapters';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-warehouse-AbCdEf';
const SECRET_URL = 'postgres://loader:s3cr3t@warehouse.internal:5432/pipeline?sslmode=require';
const client = () => new SecretsManagerClient({ region: 'us-east-1' });

beforeEach(() => secrets.reset());

describe('pgConnectionSettings', () => {
  it('takes a URL without a password in any stage', () => {
    expect(
      pgConnectionSettings({ WAREHOUSE_URL: 'postgres://loader@db.internal/pipeline', STAGE: 'prod' }),
    ).toEqual({ url: 'postgres://loader@db.internal/pipeline' });
  });

  it('refuses a URL with a password outside the local stage, without echoing it', () => {
    for (const url of [
      'postgres://loader:s3cr3t@db.internal/pipeline',
      'postgresql://loader@db.internal/pipeline?password=s3cr3t',
    ]) {
      for (const STAGE of ['dev', 'prod', undefined]) {
        const read = () => pgConnectionSettings({ WAREHOUSE_URL: url, STAGE });
        expect(read).toThrow(ConfigurationError);
        expect(read).toThrow(/WAREHOUSE_URL carries a password.*warehouseUrlSecretArn/);
        expect(read).not.toThrow(/s3cr3t/);
      }
    }
  });

  it('refuses a URL with a password even next to a secret ARN', () => {
    expect(() =>
      pgConnectionSettings({
        WAREHOUSE_URL: 'postgres://loader:s3cr3t@db.internal/pipeline',
        WAREHOUSE_URL_SECRET_ARN: SECRET_ARN,
        STAGE: 'prod',
      }),
    ).toThrow(/WAREHOUSE_URL carries a password/);
  });

  // Whatever STAGE says: only the local stage's own entry (local/src/functions/, never bundled) opts in.
  it('refuses a URL with a password in every stage unless the caller allows it', () => {
    const url = 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
    expect(() => pgConnectionSettings({ WAREHOUSE_URL: url, STAGE: 'local' })).toThrow(
      /WAREHOUSE_URL carries a password/,
    );
    expect(
      pgConnectionSettings({ WAREHOUSE_URL: url, STAGE: 'local' }, { passwordInUrl: 'allowed' }),
    ).toEqual({
      url,
    });
  });

  it('prefers the secret over the URL, and treats "none" as unset', () => {
    expect(
      pgConnectionSettings({
        WAREHOUSE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        WAREHOUSE_URL_SECRET_ARN: SECRET_ARN,
        STAGE: 'prod',
      }),
    ).toEqual({ secretArn: SECRET_ARN });
    expect(() =>
      pgConnectionSettings({ WAREHOUSE_URL: 'none', WAREHOUSE_URL_SECRET_ARN: 'none', STAGE: 'prod' }),
    ).toThrow(/WAREHOUSE_URL is required/);
  });

  it('refuses a secret ARN that is not a Secrets Manager ARN', () => {
    expect(() =>
      pgConnectionSettings({ WAREHOUSE_URL_SECRET_ARN: 'pipeline-warehouse', STAGE: 'prod' }),
    ).toThrow(/WAREHOUSE_URL_SECRET_ARN must be a Secrets Manager secret ARN/);
  });

  it('recognises passwords in user info and in the query only', () => {
    expect(urlHasPassword('postgres://u:p@h/db')).toBe(true);
    expect(urlHasPassword('postgres://u:@h/db')).toBe(false);
    expect(urlHasPassword('postgres://u@h/db?sslmode=require')).toBe(false);
    expect(urlHasPassword('postgres://u@h/db?sslmode=require&password=p')).toBe(true);
  });
});

describe('secretPgConnection', () => {
  it('reads the secret once, at creation, and serves later calls from the cache', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: `${SECRET_URL}\n` });
    const connection = secretPgConnection(SECRET_ARN, client());
    await new Promise((resolve) => setImmediate(resolve));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await connection()).toBe(SECRET_URL);
    expect(await connection()).toBe(SECRET_URL);
    expect(await Promise.all([connection(), connection()])).toEqual([SECRET_URL, SECRET_URL]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it('fails with a clear ConfigurationError when the secret does not exist', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    const connection = secretPgConnection(SECRET_ARN, client());
    const failure = connection();
    await expect(failure).rejects.toThrow(ConfigurationError);
    await expect(failure).rejects.toThrow(`Warehouse URL secret ${SECRET_ARN} not found`);
  });

  it('refuses a secret that is not a postgres URL, without echoing its value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"password":"s3cr3t"}' });
    const failure = secretPgConnection(SECRET_ARN, client())();
    await expect(failure).rejects.toThrow(/must hold a postgres:\/\/ connection URL/);
    await expect(failure).rejects.not.toThrow(/s3cr3t/);
  });

  it('does not cache a failed read: the next call reads again', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: SECRET_URL });
    const connection = secretPgConnection(SECRET_ARN, client());
    // The read started at creation failed and was dropped.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await connection()).toBe(SECRET_URL);
    expect(await connection()).toBe(SECRET_URL);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('is what createPgConnection returns for a secret; a URL is passed through without any read', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET_URL });
    expect(createPgConnection({ url: 'postgres://u@h/db' }, client())).toBe('postgres://u@h/db');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    const connection = createPgConnection({ secretArn: SECRET_ARN }, client());
    expect(typeof connection === 'function' && (await connection())).toBe(SECRET_URL);
  });
});

describe('createPgWarehouse with a secret', () => {
  it('surfaces the missing secret on first use, as a warehouse error naming the secret', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const warehouse = createPgWarehouse(secretPgConnection(SECRET_ARN, client()), { max: 1 });
    await expect(
      warehouse.ensureTable({
        name: 'report_data_quality',
        columns: [
          { name: 'dt', type: 'date', nullable: false },
          { name: 'hour', type: 'string', nullable: false },
        ],
        keyColumns: ['dt', 'hour'],
      }),
    ).rejects.toThrow(`Warehouse URL secret ${SECRET_ARN} not found`);
    await warehouse.close();
  });
});
