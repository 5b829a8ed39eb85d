package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// The pauses between attempts of a compensation that was refused for good.
const (
	compensationPause    = time.Minute
	maxCompensationPause = time.Hour
)

// saga keeps the compensations of the steps a saga has started. Each is
// registered before its step runs, so a step whose outcome is unknown is
// undone too; every compensation must be safe when its step never happened.
type saga struct {
	compensations []func(ctx workflow.Context) error
}

// push registers a compensation before the step it undoes runs.
func (s *saga) push(c func(ctx workflow.Context) error) {
	s.compensations = append(s.compensations, c)
}

// compensate runs the compensations newest first, on the context it is
// given (a disconnected one, so a cancelled run still gives money back).
// An activity retries transient failures itself; a compensation refused
// for good is tried again after a pause that doubles up to an hour, so
// money is never left half-returned while the saga reads as reversed.
func (s *saga) compensate(ctx workflow.Context) {
	actx := withActivityOptions(ctx)
	for i := len(s.compensations) - 1; i >= 0; i-- {
		pause := compensationPause
		for {
			err := s.compensations[i](actx)
			if err == nil {
				break
			}
			workflow.GetLogger(ctx).Error("compensation refused; trying again", "step", i, "pause", pause, "error", err)
			_ = workflow.Sleep(ctx, pause)
			pause = min(2*pause, maxCompensationPause)
		}
	}
}
