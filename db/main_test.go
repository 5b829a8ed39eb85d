package db_test

import (
	"os"
	"testing"

	"gongji/db/dbtest"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }
