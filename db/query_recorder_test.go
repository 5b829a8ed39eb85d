package db_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// recordedQuery is one statement a store sent, with its arguments.
type recordedQuery struct {
	SQL  string
	Args []any
}

// queryRecorder keeps the statements sent through a recording pool, so
// that a test can look at the stores' own SQL without copying it.
type queryRecorder struct {
	mu      sync.Mutex
	queries []recordedQuery
}

func (r *queryRecorder) add(q string, args []driver.NamedValue) {
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, recordedQuery{SQL: q, Args: values})
}

// take returns the statements recorded since the last take.
func (r *queryRecorder) take() []recordedQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.queries
	r.queries = nil
	return out
}

// recordingDB opens a pool on dbURL whose connections tell rec every
// statement before lib/pq runs it.
func recordingDB(t *testing.T, dbURL string, rec *queryRecorder) *sqlx.DB {
	t.Helper()
	connector, err := pq.NewConnector(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	conn := sqlx.NewDb(sql.OpenDB(recordingConnector{Connector: connector, rec: rec}), "postgres")
	t.Cleanup(func() { conn.Close() })
	return conn
}

type recordingConnector struct {
	driver.Connector
	rec *queryRecorder
}

func (c recordingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return recordingConn{Conn: conn, rec: c.rec}, nil
}

// recordingConn forwards to a lib/pq connection, which implements every
// interface used here.
type recordingConn struct {
	driver.Conn
	rec *queryRecorder
}

func (c recordingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.rec.add(q, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c recordingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.rec.add(q, args)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c recordingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c recordingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}
