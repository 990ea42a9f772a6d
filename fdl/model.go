// Package fdl is the Flow Definition Language of Alibaba Cloud Serverless Workflow
// (version v1, type flow): the model of a flow, its parser with line and column
// positions, its validator, and the evaluation of mappings and choice conditions.
//
// It is pure Go and imports nothing from Temporal, so every rule of the language
// can be tested here without a server. The interpreter package runs the model.
//
// Values handled by mappings and conditions are plain JSON values as
// encoding/json decodes them into an `any`: nil, bool, float64, string, []any
// and map[string]any. Constants written in YAML are normalised to that form
// when the flow is parsed.
package fdl

// Pos is a 1-based position in the flow's source text.
type Pos struct {
	Line int
	Col  int
}

// StepType names a step kind as written in the `type` field.
type StepType string

const (
	StepTask     StepType = "task"
	StepPass     StepType = "pass"
	StepChoice   StepType = "choice"
	StepWait     StepType = "wait"
	StepParallel StepType = "parallel"
	StepForeach  StepType = "foreach"
	StepSucceed  StepType = "succeed"
	StepFail     StepType = "fail"
)

// Pattern is how a task step waits for its integration.
type Pattern string

const (
	PatternRequestResponse Pattern = "requestResponse"
	PatternSync            Pattern = "sync"
	PatternWaitForCallback Pattern = "waitForCallback"
)

// Flow is a parsed flow definition.
type Flow struct {
	Version        string
	Type           string
	Steps          []Step
	InputMappings  []Mapping
	OutputMappings []Mapping
	// TimeoutSeconds limits the whole execution; 0 means no limit.
	TimeoutSeconds int
}

// Step is one step of any kind. Use a type switch on the concrete types
// (*TaskStep, *PassStep, ...) to reach the kind's own fields.
type Step interface {
	Common() *StepCommon
}

// StepCommon holds the fields every step kind has.
type StepCommon struct {
	Type StepType
	Name string
	// Path names the chain of parents, for example "parallel1/branch[0]/mytask".
	// Diagnostics, activity IDs and the Web UI use it. A top-level step's
	// path is its name; nested steps are "choice1/choices[0]/name",
	// "choice1/default/name", "parallel1/branch[0]/name" and "foreach1/name".
	// A step whose name is missing or invalid stands as "steps[i]".
	Path           string
	End            bool
	InputMappings  []Mapping
	OutputMappings []Mapping
	Pos            Pos
}

func (c *StepCommon) Common() *StepCommon { return c }

// TaskStep calls an integration: a function, a queue, a topic, a child flow
// or a cloud API action.
type TaskStep struct {
	StepCommon
	ResourceArn string
	// Resource is ResourceArn taken apart; its Kind is ResourceNone when the
	// step uses Action instead.
	Resource Resource
	Action   string
	// Pattern defaults to PatternRequestResponse when the flow leaves it out.
	Pattern Pattern
	// TimeoutSeconds is the task's own timeout; 0 means none.
	TimeoutSeconds int
	// HeartbeatSeconds, an fnflow extension of the language, is how long a
	// waitForCallback task may go without a heartbeat (ReportTaskHeartbeat)
	// before it fails with ErrHeartbeatTimeout; 0 means it needs none.
	HeartbeatSeconds int
	// ServiceParams are the integration's parameters. Top-level strings that
	// are "$" or a $ path read the step input at run time: use
	// EvalServiceParams. A queue or topic task without MessageBody gets "$".
	ServiceParams map[string]any
	Retry         []RetryPolicy
	Catch         []CatchPolicy
	ErrorMappings []Mapping
}

// ResourceKind is the integration a task's resourceArn points at.
type ResourceKind string

const (
	ResourceNone     ResourceKind = ""
	ResourceFunction ResourceKind = "function" // acs:fc:{region}:{account}:services/{service}[.{qualifier}]/functions/{function}
	ResourceQueue    ResourceKind = "queue"    // acs:mns:::/queues/{queue}/messages
	ResourceTopic    ResourceKind = "topic"    // acs:mns:::/topics/{topic}/messages
	ResourceFlow     ResourceKind = "flow"     // acs:fnf:::flow/{flow}
)

// Resource is a parsed resourceArn.
type Resource struct {
	Kind      ResourceKind
	Region    string
	Account   string
	Service   string // functions
	Qualifier string // functions: the version or alias after "service."
	Function  string // functions
	Name      string // queue, topic or flow name
}

// RetryPolicy is one entry of a task's `retry` list, with defaults applied.
type RetryPolicy struct {
	Errors             []string
	IntervalSeconds    int     // default 1
	MaxAttempts        int     // retries after the first try; default 3
	Multiplier         float64 // default 2
	MaxIntervalSeconds int     // default 86400
	Pos                Pos
}

// CatchPolicy is one entry of a task's `catch` list.
type CatchPolicy struct {
	Errors []string
	Goto   string
	Pos    Pos
}

// PassStep does no work; it shapes data or serves as a goto target.
type PassStep struct {
	StepCommon
}

// ChoiceStep runs the first branch whose condition holds, or Default.
type ChoiceStep struct {
	StepCommon
	Choices []ChoiceBranch
	// Default is nil when the flow has no default branch.
	Default *ChoiceBranch
}

// ChoiceBranch is one entry of `choices`, or the `default` branch (whose
// Condition is nil).
type ChoiceBranch struct {
	Condition *Condition
	Steps     []Step
	// Goto names a sibling of the choice step to continue at; "" continues
	// with the step after the choice.
	Goto string
	Pos  Pos
}

// WaitStep pauses for a duration or until a timestamp.
type WaitStep struct {
	StepCommon
	// Exactly one of Duration and Timestamp is set.
	Duration  *WaitValue
	Timestamp *WaitValue
}

// WaitValue is a literal or a `$.path` into the step's input. For a duration
// the literal is Seconds; for a timestamp it is Time (RFC 3339).
type WaitValue struct {
	Seconds float64
	Time    string
	// Path is set when the value is read from the step input at run time.
	Path *Path
}

// ParallelStep runs its branches concurrently.
type ParallelStep struct {
	StepCommon
	Branches []Branch
}

// Branch is one serial list of steps in a parallel step.
type Branch struct {
	Steps []Step
	Pos   Pos
}

// ForeachStep runs its steps once for every element of a collection.
type ForeachStep struct {
	StepCommon
	Collection *Path  // iterationMapping.collection, read from the step input
	Item       string // iterationMapping.item
	Index      string // iterationMapping.index; "" when not set
	Steps      []Step
}

// SucceedStep ends the current step list successfully.
type SucceedStep struct {
	StepCommon
}

// FailStep ends the current step list with an error that propagates upward.
type FailStep struct {
	StepCommon
	Error string
	Cause string
}
