package api

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/workflows"
)

// fromTemporal turns a workflow's refusal into its domain error, a
// finished workflow into BINDING_WRONG_STATE and an unreachable Temporal
// into UNAVAILABLE; anything else stays internal.
func fromTemporal(err error) error {
	if err == nil {
		return nil
	}
	if de, ok := workflows.DomainError(err); ok {
		return de
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return domain.Errorf(domain.CodeBindingWrongState, "the binding has ended")
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again")
	}
	return err
}

// updateBinding sends an update to a binding's workflow and waits for its
// outcome.
func (s *server) updateBinding(ctx context.Context, bindingID, name string, arg any) error {
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
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
