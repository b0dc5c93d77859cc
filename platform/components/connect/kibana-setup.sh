#!/bin/sh
# kibana-setup Job: imports dashboards/kibana/fleetlab.ndjson (data views, the positions map, the trips dashboard), overwriting.
set -eu
kibana=http://kibana:5601

echo "waiting for Kibana at $kibana"
until curl -fsS "$kibana/api/status" | grep -q '"level":"available"'; do sleep 5; done
answer=$(curl -fsS -X POST "$kibana/api/saved_objects/_import?overwrite=true" \
  -H 'kbn-xsrf: fleetlab' -F file=@/setup/fleetlab.ndjson)
echo "$answer"
# The import answers 200 even when some objects fail; only "success":true means all of them went in.
echo "$answer" | grep -q '"success":true'
