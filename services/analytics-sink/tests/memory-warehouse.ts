import type {
  KeyLookupRequest,
  LoadResult,
  UpsertRowsRequest,
  WarehouseRow,
  WarehouseTable,
  WarehouseView,
} from '@pipeline/shared/warehouse';
import type { SinkWarehouse } from '../src/domain/flush-segment';

/** A warehouse in memory with the port's upsert semantics, plus a switch to make it unavailable. */
export class MemoryWarehouse implements SinkWarehouse {
  readonly tables = new Map<string, Map<string, WarehouseRow>>();
  readonly views = new Map<string, string>();
  readonly calls: string[] = [];
  failure: Error | undefined;

  rows(table: WarehouseTable): WarehouseRow[] {
    return [...(this.tables.get(table.name)?.values() ?? [])];
  }

  async ensureTable(table: WarehouseTable): Promise<void> {
    this.check(`ensureTable ${table.name}`);
    if (!this.tables.has(table.name)) this.tables.set(table.name, new Map());
  }

  async ensureView(view: WarehouseView): Promise<void> {
    this.check(`ensureView ${view.name}`);
    this.views.set(view.name, view.select);
  }

  async upsertRows({ table, rows }: UpsertRowsRequest): Promise<LoadResult> {
    this.check(`upsertRows ${table.name}`);
    const stored = this.tables.get(table.name) ?? new Map<string, WarehouseRow>();
    let deleted = 0;
    for (const row of rows) {
      const key = JSON.stringify(table.keyColumns.map((column) => row[column]));
      if (stored.delete(key)) deleted += 1;
      stored.set(key, row);
    }
    this.tables.set(table.name, stored);
    return { table: table.name, deleted, inserted: rows.length };
  }

  async existingKeys({ table, keys }: KeyLookupRequest): Promise<WarehouseRow[]> {
    this.check(`existingKeys ${table.name}`);
    const stored = this.tables.get(table.name) ?? new Map<string, WarehouseRow>();
    return keys.filter((key) => stored.has(JSON.stringify(table.keyColumns.map((column) => key[column]))));
  }

  private check(call: string): void {
    this.calls.push(call);
    if (this.failure) throw this.failure;
  }
}
