// The tests' private PostgreSQL server (the same one the benchmark starts).
export { startPostgres, type PostgresServer } from "../../../cloud/store/private-postgres.js";
