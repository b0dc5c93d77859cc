#!/bin/sh
# connect-setup Job: the index template first (indices must not be created before it), then the connector config.
set -eu
es=http://elasticsearch:9200
connect=http://connect:8083

echo "waiting for Elasticsearch at $es"
until curl -fsS -o /dev/null "$es/_cluster/health?wait_for_status=yellow&timeout=5s"; do sleep 5; done
curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary @/setup/index-template.json \
  "$es/_index_template/fleetlab-routes"
echo

echo "waiting for Kafka Connect at $connect"
until curl -fsS -o /dev/null "$connect/connector-plugins"; do sleep 5; done
# PUT …/config creates the connector or updates it: re-running this Job is harmless.
curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary @/setup/elasticsearch-sink.json \
  "$connect/connectors/elasticsearch-sink/config"
echo
echo "connector elasticsearch-sink registered"
