// Package deploy holds what runs orderflow in containers besides the repository's
// Dockerfile and docker-compose.yml: the Temporal setup scripts and dynamic config
// (temporal/), the container health probe (healthcheck/), and compose_test.go, which
// keeps the compose stack correct on machines without a Docker engine. See README.md.
package deploy
