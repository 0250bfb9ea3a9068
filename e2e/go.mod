module github.com/smartgate/e2e

go 1.26
