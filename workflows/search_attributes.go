package workflows

import "go.temporal.io/sdk/temporal"

// Typed search attributes operators filter bindings by in the Temporal UI.
// They hold no names or ID numbers.
var (
	BindingStatusKey   = temporal.NewSearchAttributeKeyKeyword("BindingStatus")
	BindingRelationKey = temporal.NewSearchAttributeKeyKeyword("BindingRelation")
)
