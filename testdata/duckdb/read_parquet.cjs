// Reads a Parquet file with DuckDB (@duckdb/node-api, found through
// NODE_PATH) and prints, as JSON, its schema as DuckDB sees it and every
// row as DuckDB's to_json gives it, instants in UTC.
//
//   node read_parquet.cjs FILE.parquet
const { DuckDBInstance } = require('@duckdb/node-api');

(async () => {
  const file = process.argv[2];
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run("SET TimeZone = 'UTC'");
  const schema = await c.runAndReadAll('DESCRIBE SELECT * FROM read_parquet($1)', [file]);
  const rows = await c.runAndReadAll('SELECT to_json(t)::VARCHAR AS j FROM read_parquet($1) AS t', [file]);
  const out = {
    columns: schema.getRowObjects().map((r) => ({ name: r.column_name, type: r.column_type })),
    rows: rows.getRowObjects().map((r) => JSON.parse(r.j)),
  };
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
