module github.com/smartgate/e2e

go 1.26.0

require golang.org/x/oauth2 v0.37.0
