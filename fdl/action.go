package fdl

// ValidAction reports whether action has the form of a task's action,
// product:Action (for example ocr:RecognizeIdentityCard), so that a bindings
// file can refuse an action no flow could name.
func ValidAction(action string) bool { return actionName.MatchString(action) }
