// Package api serves the FHIR STU3 RESTful API over a store.Store: the
// routes and the interactions (read, vread, search, create, update,
// delete, history, batch and transaction), content negotiation, Binary,
// and OperationOutcome errors (package fhirerr). A request below the base
// is routed (package route), authenticated and authorized by a Guard (the
// security layer provides it) before the store is touched, executed, and
// reported as an outcome.Outcome to the observers (audit) before its
// response leaves.
package api
