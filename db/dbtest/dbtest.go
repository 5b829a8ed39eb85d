// Package dbtest gives each test package a fresh, migrated PostgreSQL
// database of its own and drops it afterwards.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/db"
	"gongji/sim"
)

// AdminURLEnv names the variable holding a URL of a PostgreSQL server where
// the tests may create and drop databases.
const AdminURLEnv = "GONGJI_TEST_POSTGRES_URL"

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the server URL tests create their databases on.
func AdminURL() string {
	if u := os.Getenv(AdminURLEnv); u != "" {
		return u
	}
	return defaultAdminURL
}

// Run creates a database named gongji_test_<random>, migrates it, stores
// its URL in *dbURL, runs the package's tests and drops the database. Use it
// from TestMain: os.Exit(dbtest.Run(m, &testURL)).
func Run(m *testing.M, dbURL *string) int {
	u, drop, err := Create(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer drop()
	*dbURL = u
	return m.Run()
}

// Create makes a fresh migrated database on AdminURL's server and returns
// its URL and a function that drops it.
func Create(ctx context.Context) (dbURL string, drop func(), err error) {
	return CreateOn(ctx, AdminURL())
}

// CreateOn is Create on the server of serverURL (any database on it; the
// user must be allowed to create databases), e.g. the one a bench was
// pointed at. It connects to that server's postgres database to do so.
func CreateOn(ctx context.Context, serverURL string) (dbURL string, drop func(), err error) {
	adminURL, err := withDatabase(serverURL, "postgres")
	if err != nil {
		return "", nil, err
	}
	admin, err := db.Open(ctx, adminURL)
	if err != nil {
		return "", nil, err
	}
	name := "gongji_test_" + randomSuffix()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	dbURL, err = withDatabase(adminURL, name)
	if err != nil {
		drop()
		return "", nil, err
	}
	conn, err := db.Open(ctx, dbURL)
	if err != nil {
		drop()
		return "", nil, err
	}
	defer conn.Close()
	if _, err := db.Migrate(ctx, conn.DB); err != nil {
		drop()
		return "", nil, err
	}
	if _, err := sim.Migrate(ctx, conn.DB); err != nil {
		drop()
		return "", nil, err
	}
	return dbURL, drop, nil
}

// Open connects to the test database and closes the pool when t ends.
func Open(t testing.TB, dbURL string) *sqlx.DB {
	t.Helper()
	conn, err := db.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", AdminURLEnv, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
