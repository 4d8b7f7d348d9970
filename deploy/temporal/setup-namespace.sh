#!/bin/sh
# One-shot job (compose service temporal-setup, image temporalio/admin-tools): creates
# the namespace orderflow runs in and registers the custom search attributes its
# workflows set (workflows/names.go), so orders can be found in Temporal UI. Safe to run
# again: what exists is left as it is. Reads TEMPORAL_ADDRESS (the CLI does), NAMESPACE
# and SEARCH_ATTRIBUTE_SETTLE_SECONDS. The admin-tools image runs no Go, so the list
# below is a copy of workflows.SearchAttributes(): deploy/setup_namespace_test.go runs
# this script against a Temporal dev server and fails unless it registers exactly
# those attributes, with their types.
set -eu

ns="${NAMESPACE:-default}"
settle="${SEARCH_ATTRIBUTE_SETTLE_SECONDS:-15}"

# retry N COMMAND...: run COMMAND until it succeeds, 2 s apart, at most N times.
retry() {
	n=$1
	shift
	i=1
	until "$@" >/dev/null 2>&1; do
		if [ "$i" -ge "$n" ]; then
			echo "gave up after $n tries: $*" >&2
			"$@" # once more, showing its error
			return 1
		fi
		i=$((i + 1))
		sleep 2
	done
}

echo "waiting for Temporal at ${TEMPORAL_ADDRESS}"
retry 60 temporal operator cluster health

if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
	echo "namespace $ns exists"
else
	temporal operator namespace create --namespace "$ns" --retention 72h
	# A new namespace reaches the servers' namespace cache within ~10 s.
	retry 30 temporal operator search-attribute list --namespace "$ns"
fi

created=0
# create_search_attribute --name NAME --type TYPE
create_search_attribute() {
	if temporal operator search-attribute list --namespace "$ns" | grep -qw -- "$2"; then
		echo "search attribute $2 exists"
		return 0
	fi
	temporal operator search-attribute create --namespace "$ns" "$@"
	created=1
}

create_search_attribute --name OrderStatus --type Keyword
create_search_attribute --name ConsumerId --type Keyword
create_search_attribute --name RestaurantId --type Keyword

if [ "$created" -eq 1 ]; then
	# Starting a workflow is checked against the namespace cache, which refreshes
	# every 10 s: wait it out so the first order placed finds the attributes.
	sleep "$settle"
fi
temporal operator search-attribute list --namespace "$ns"
echo "namespace $ns is ready for orderflow"
