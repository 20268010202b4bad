import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IssuedCertificate } from './ports';

/** What `register` records next to the key, for `send` and `remove`. */
export interface DeviceRecord {
  deviceId: string;
  thingName: string;
  stage: string;
  region?: string;
  certificateId: string;
  certificateArn: string;
  policyName: string;
  /** The iot:Data-ATS host, once known. */
  endpoint?: string;
}

export const CREDENTIAL_FILES = {
  certificate: 'certificate.pem.crt',
  privateKey: 'private.pem.key',
  record: 'device.json',
  rootCaNote: 'AmazonRootCA.txt',
} as const;

// https://docs.aws.amazon.com/iot/latest/developerguide/server-authentication.html: iot:Data-ATS
// endpoints present a certificate signed by Amazon Trust Services.
const ROOT_CA_NOTE = `The endpoint in device.json (iot:Data-ATS) presents a server certificate signed by Amazon
Trust Services. Node.js and most operating systems trust Amazon Root CA 1 already; a device
without a trust store needs it: https://www.amazontrust.com/repository/AmazonRootCA1.pem
(https://docs.aws.amazon.com/iot/latest/developerguide/server-authentication.html).
Connect with mqtts on port 8883, this folder's certificate and private key, and the thing name
as MQTT client id.
`;

/**
 * The local folder of each device's credentials, `<root>/<stage>/<deviceId>/`: folders 0700,
 * files 0600, since the private key is the device's identity.
 */
export const credentialStore = (root: string) => {
  const folderOf = (stage: string, deviceId: string) => path.join(root, stage, deviceId);
  const write = async (file: string, data: string, overwrite: boolean) => {
    await writeFile(file, data, { mode: 0o600, flag: overwrite ? 'w' : 'wx' });
    // The mode of writeFile applies only to a new file.
    await chmod(file, 0o600);
  };
  return {
    folderOf,
    async read(stage: string, deviceId: string): Promise<DeviceRecord | undefined> {
      try {
        return JSON.parse(
          await readFile(path.join(folderOf(stage, deviceId), CREDENTIAL_FILES.record), 'utf8'),
        ) as DeviceRecord;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async hasKey(stage: string, deviceId: string): Promise<boolean> {
      try {
        await readFile(path.join(folderOf(stage, deviceId), CREDENTIAL_FILES.privateKey));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    /** Writes the certificate, key and record; `overwrite` replaces an earlier set. */
    async save(record: DeviceRecord, certificate: IssuedCertificate, overwrite: boolean): Promise<string> {
      const folder = folderOf(record.stage, record.deviceId);
      for (const dir of [root, path.join(root, record.stage), folder]) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await chmod(dir, 0o700);
      }
      await write(path.join(folder, CREDENTIAL_FILES.privateKey), certificate.privateKey, overwrite);
      await write(path.join(folder, CREDENTIAL_FILES.certificate), certificate.certificatePem, overwrite);
      await write(path.join(folder, CREDENTIAL_FILES.rootCaNote), ROOT_CA_NOTE, true);
      await write(path.join(folder, CREDENTIAL_FILES.record), `${JSON.stringify(record, null, 2)}\n`, true);
      return folder;
    },
    async update(record: DeviceRecord): Promise<void> {
      await write(
        path.join(folderOf(record.stage, record.deviceId), CREDENTIAL_FILES.record),
        `${JSON.stringify(record, null, 2)}\n`,
        true,
      );
    },
    async credentials(stage: string, deviceId: string): Promise<{ cert: string; key: string }> {
      const folder = folderOf(stage, deviceId);
      const [cert, key] = await Promise.all([
        readFile(path.join(folder, CREDENTIAL_FILES.certificate), 'utf8'),
        readFile(path.join(folder, CREDENTIAL_FILES.privateKey), 'utf8'),
      ]);
      return { cert, key };
    },
    async remove(stage: string, deviceId: string): Promise<void> {
      await rm(folderOf(stage, deviceId), { recursive: true, force: true });
    },
  };
};

export type CredentialStore = ReturnType<typeof credentialStore>;
