package db

import (
	"github.com/lib/pq"

	"gongji/domain"
)

// statusOn is domain.Binding.StatusAt in SQL, for the binding b on the
// Beijing day given by the parameter day (e.g. "$3"): an active binding
// whose valid_until is before that day has ended (domain.ValidityEndedAt)
// and reads expired. A NULL day reads the stored status.
// TestStatusOn_AgreesWithStatusAt keeps the two in step.
func statusOn(day string) string {
	return `(CASE WHEN b.status = 'active' AND b.valid_until < ` + day + `::date THEN 'expired' ELSE b.status END)`
}

// storedAs lists the stored statuses of the bindings that may read as
// status on some day: an expired binding may still be stored active until
// its timer fires. Filtering on them first lets the indexes on status
// serve.
func storedAs(status domain.BindingStatus) pq.StringArray {
	if status == domain.BindingExpired {
		return pq.StringArray{string(domain.BindingExpired), string(domain.BindingActive)}
	}
	return pq.StringArray{string(status)}
}

// liveOn selects the bindings b that are live on the day given by the
// parameter day, whose live statuses are the parameter live
// (liveStatuses()): an active binding past its validity is not.
func liveOn(day, live string) string {
	return statusOn(day) + ` = ANY(` + live + `)`
}
