package api

import (
	"testing"

	"github.com/google/uuid"

	"gongji/db"
	"gongji/worker"
)

func TestSettle_WhileTheWorkerIsDown_Answers202AndFinishesWhenItIsBack(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", nil)
	inst := a.hospital()
	// The settlement goes to a task queue that no worker polls yet.
	queue := "worker-down-" + uuid.NewString()
	down := newTestAPIWith(t, func(d *Deps) { d.TaskQueue = queue; d.TopupTimeout = settleTopupTimeout })

	// No worker polls the queue: the request is accepted and waits.
	res, s := down.postSettlement(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_down"),
		billItem("D001", "drug", "300.00")))
	if res.status != 202 || s.Status != "processing" {
		t.Fatalf("with no worker: %d %s, want 202 processing", res.status, s.Status)
	}

	// The worker comes back and the saga runs to the end.
	w := worker.New(testTemporal.Client(), queue, worker.BuiltinDeps(db.NewStore(a.store.DB()), nil))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	done := a.waitSettlement(inst, s.ID, "completed")
	if done.Total != "300.00" || done.FundPay != "100.00" || done.FamilyAccountPay != "200.00" {
		t.Fatalf("amounts after the worker came back: %s", done.amounts())
	}
}
