package fdl

// Walk calls visit for every step of steps and of the steps nested in them
// (choice branches and default, parallel branches, foreach bodies), in
// source order: a step before the steps inside it, and those before its next
// sibling.
func Walk(steps []Step, visit func(Step)) {
	for _, s := range steps {
		visit(s)
		switch s := s.(type) {
		case *ChoiceStep:
			for _, b := range s.Choices {
				Walk(b.Steps, visit)
			}
			if s.Default != nil {
				Walk(s.Default.Steps, visit)
			}
		case *ParallelStep:
			for _, b := range s.Branches {
				Walk(b.Steps, visit)
			}
		case *ForeachStep:
			Walk(s.Steps, visit)
		}
	}
}
