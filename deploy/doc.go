// Package deploy holds what runs orderflow in containers besides the repository's
// Dockerfile and docker-compose.yml: the Temporal setup scripts and dynamic config
// (temporal/), the container health probe (healthcheck/), and the tests that keep the
// compose stack, the Dockerfile and .dockerignore correct on machines without a Docker
// engine. See README.md.
package deploy
