// Package api serves the FHIR STU3 RESTful API over a store.Store: the
// routes and the interactions (read, vread, search, create, update,
// delete, history, batch and transaction), content negotiation, Binary,
// and OperationOutcome errors. Every interaction passes through a Guard
// before the store is touched; the security layer provides it.
package api
