package db

import "gongji/domain"

// errStepUndone refuses to take a settlement step again once it was undone
// (fund share cancelled, debit refunded, top-up paid back). A step repeated
// after its compensation must not report the undone amount as standing,
// or a saga could complete on money it no longer holds; the saga ends
// reversed.
func errStepUndone(settlementID string) error {
	return domain.Errorf(domain.CodeSettlementAlreadyReversed, "settlement %s was already reversed; its steps are not taken again", settlementID)
}
