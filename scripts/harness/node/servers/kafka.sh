#!/bin/sh
# The node's Kafka: one KRaft node that is both controller and broker, its log directory on the
# Pod's volume (formatted once), advertising the Pod's address (POD_IP), since the suite's
# clients on the host reach Pods by address, not by cluster DNS names. Settings as
# kafka-server.sh gives a one-node broker, from the chart's values.
set -eu
data=/var/lib/kafka/data
config=/tmp/server.properties
cat >"$config" <<PROPS
process.roles=broker,controller
node.id=0
controller.quorum.voters=0@127.0.0.1:9093
listeners=CLIENT://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=CLIENT://${POD_IP:?the Pod sets POD_IP from its status}:9092
listener.security.protocol.map=CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=CLIENT
controller.listener.names=CONTROLLER
log.dirs=$data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
PROPS
logging=-Dlog4j.configuration=file:/usr/local/bin/log4j.properties
# A random cluster id, once: a restarted Pod finds its volume formatted ("--cluster-id=" because
# an id may begin with "-").
if [ ! -f "$data/meta.properties" ]; then
  java "$logging" -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format \
    --cluster-id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)" -c "$config"
fi
exec java "$logging" -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true -cp '/opt/kafka/libs/*' kafka.Kafka "$config"
