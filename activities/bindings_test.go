package activities

import (
	"context"
	"testing"

	"gongji/db"
	"gongji/domain"
)

// fakeBindingStore holds one binding and its people in memory.
type fakeBindingStore struct {
	bindingStore // unused methods panic
	binding      domain.Binding
	people       map[domain.IDNumber]domain.Person
	refuse       error
	transitions  []domain.BindingTransition
}

func (f *fakeBindingStore) TransitionBinding(_ context.Context, t domain.BindingTransition) error {
	if f.refuse != nil {
		return f.refuse
	}
	f.transitions = append(f.transitions, t)
	return nil
}

func (f *fakeBindingStore) Binding(_ context.Context, id string, _ int) (domain.Binding, error) {
	if id != f.binding.ID {
		return domain.Binding{}, domain.Errorf(domain.CodeBindingNotFound, "no binding %s", id)
	}
	return f.binding, nil
}

func (f *fakeBindingStore) Person(_ context.Context, id domain.IDNumber) (domain.Person, error) {
	return f.people[id], nil
}

// notifierFunc is a Notifier made of a function.
type notifierFunc func(db.Notification) error

func (n notifierFunc) Notify(_ context.Context, msg db.Notification) error { return n(msg) }

func TestBindings_RecordTransitionRefusalIsNonRetryableWithItsCode(t *testing.T) {
	store := &fakeBindingStore{refuse: domain.Errorf(domain.CodeBindingWrongState, "the binding is active")}
	a := &Bindings{Store: store}
	err := runActivity(t, a, a.RecordTransition, domain.BindingTransition{BindingID: "b1"})
	requireRefusal(t, err, string(domain.CodeBindingWrongState))
}

func TestBindings_NotifyHolderWritesToTheHolderOnceByDedupKey(t *testing.T) {
	holder, beneficiary := domain.IDNumber("holder-1"), domain.IDNumber("child-1")
	store := &fakeBindingStore{
		binding: domain.Binding{ID: "b1", Holder: holder, Beneficiary: beneficiary},
		people:  map[domain.IDNumber]domain.Person{beneficiary: {IDNumber: beneficiary, Name: "小明"}},
	}
	var sent []db.Notification
	a := &Bindings{Store: store, Notifier: notifierFunc(func(n db.Notification) error {
		sent = append(sent, n)
		return nil
	})}
	n := domain.BindingNotice{BindingID: "b1", Kind: domain.NoticeBindingApproved, DedupKey: "b1:approved"}
	if err := runActivity(t, a, a.NotifyHolder, n); err != nil {
		t.Fatalf("NotifyHolder: %v", err)
	}
	if len(sent) != 1 {
		t.Fatalf("sent %d notifications, want 1: %+v", len(sent), sent)
	}
	got := sent[0]
	if got.Recipient != string(holder) || got.Kind != string(n.Kind) || got.DedupKey != n.DedupKey ||
		got.BindingID.String != "b1" || !got.BindingID.Valid || got.Title == "" {
		t.Fatalf("notification %+v, want one to %s of kind %s with dedup key %s for binding b1 and a title", got, holder, n.Kind, n.DedupKey)
	}
}

func TestBindings_NotifyHolderOfAMissingBindingIsRefused(t *testing.T) {
	a := &Bindings{Store: &fakeBindingStore{}, Notifier: notifierFunc(func(n db.Notification) error {
		t.Errorf("notified %+v", n)
		return nil
	})}
	err := runActivity(t, a, a.NotifyHolder, domain.BindingNotice{BindingID: "nope", Kind: domain.NoticeBindingApproved})
	requireRefusal(t, err, string(domain.CodeBindingNotFound))
}
