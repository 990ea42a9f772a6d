package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/queues"
)

// registerGroupSends registers --mns-group-sends, for the commands that
// send MNS messages against a Temporal cluster: the gateway (the MNS API) and
// the worker (queue task steps, topic fan-out into queues). See
// groupSendsMode.decide.
func registerGroupSends(fs *flag.FlagSet, mode *groupSendsMode) {
	*mode = groupSendsAuto
	fs.Var(mode, "mns-group-sends", "store MNS messages sent together in one workflow, for several times the queue rate; the namespace needs the search attribute FnflowQueueMessages (Int): auto (the default) groups when it has it, true refuses to start without it, false never groups")
}

// groupSendsMode is --mns-group-sends: auto, true (the flag alone) or false.
type groupSendsMode string

const (
	groupSendsAuto groupSendsMode = "auto"
	groupSendsOn   groupSendsMode = "true"
	groupSendsOff  groupSendsMode = "false"
)

func (m *groupSendsMode) String() string { return string(*m) }

func (m *groupSendsMode) Set(text string) error {
	switch v := groupSendsMode(strings.ToLower(text)); v {
	case groupSendsAuto, groupSendsOn, groupSendsOff:
		*m = v
		return nil
	}
	return errors.New("must be auto, true or false")
}

// IsBoolFlag lets --mns-group-sends alone mean true.
func (m *groupSendsMode) IsBoolFlag() bool { return true }

// decide tells whether to group sends on namespace, checking that it has the
// search attribute groups need (queues.CheckGroupSends) unless told not to
// group: true without it is an error, so that every grouped send does not
// fail later; auto without it, or when the check itself fails (a Temporal
// Cloud API key may not list search attributes), sends one workflow a
// message and logs why.
func (m groupSendsMode) decide(ctx context.Context, c client.Client, namespace string, logger *slog.Logger) (bool, error) {
	if m == groupSendsOff {
		return false, nil
	}
	err := queues.CheckGroupSends(ctx, c, namespace)
	switch {
	case err == nil:
		logger.Info("MNS sends to a busy queue are grouped (--mns-group-sends)", "namespace", namespace)
		return true, nil
	case m == groupSendsOn:
		return false, err
	default:
		logger.Info("MNS sends are not grouped (--mns-group-sends=auto)", "reason", err)
		return false, nil
	}
}
