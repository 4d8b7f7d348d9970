// Package chaos holds the chaos suite: orderflow run as separate processes under
// `orderflow load`, with processes killed, frozen and restarted, databases and servers
// restarted and workflows canceled, each scenario ending with `orderflow verify`.
// Its tests build only with the chaos tag: `make chaos` (a few minutes; not part of
// `make test`, which .ci/run runs first).
package chaos
