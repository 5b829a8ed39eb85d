package app

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/internal/temporalerr"
	"gongji/workflows"
)

// fromTemporal turns a workflow's refusal into its domain error, a
// finished workflow into BINDING_WRONG_STATE and an unreachable Temporal,
// or an update not answered in time, into UNAVAILABLE; anything else stays
// internal.
func fromTemporal(err error) error {
	if err == nil {
		return nil
	}
	if de, ok := temporalerr.ToDomain(err); ok {
		return de
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return domain.Errorf(domain.CodeBindingWrongState, "the binding has ended")
	}
	var timedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if errors.As(err, &timedOut) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service did not answer in time; the change may still take effect, read it back before trying again")
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again")
	}
	return err
}

// updateBinding sends an update to a binding's workflow and waits for its
// outcome, at most bindingUpdateTimeout.
func (a *App) updateBinding(ctx context.Context, bindingID, name string, arg any) error {
	ctx, cancel := context.WithTimeout(ctx, a.bindingUpdateTimeout)
	defer cancel()
	h, err := a.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.BindingWorkflowID(bindingID),
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	return fromTemporal(err)
}
