// Package helmcheck holds the tests that render deploy/helm/tapbot with
// helm and decode every object strictly into the Kubernetes API types.
package helmcheck
