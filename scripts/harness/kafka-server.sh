#!/usr/bin/env bash
# A local Apache Kafka for the test suite and benchmarks, in either of the chart's two modes:
#   zookeeper  a ZooKeeper and one broker (the chart's default profile)
#   kraft      one combined controller+broker node (the chart's kraft profile)
#   kraft-scram  the same with SASL on every listener, as profiles/kafka-sasl.yaml renders it:
#              the client listener takes SCRAM-SHA-512 (user learnflow), the inter-broker one on
#              PORT+2 SCRAM-SHA-512 (user inter_broker_user), the controller's PLAIN (user
#              controller_user); their passwords are in the instance's client.password,
#              inter-broker.password and controller.password files
#   kraft-acl  kraft-scram with the ACL authorizer, as profiles/production.yaml renders it: the
#              inter-broker and controller users are super users, learnflow has only its ACLs
#   kraft-scram-tls  kraft-scram whose client listener is SASL_SSL, as a managed Kafka's: its
#              key and certificate chain are the PEM file tls/server.pem of the instance, which
#              the caller writes before the first start
#   kraft3     three combined controller+broker nodes (the production profile's shape), node N's
#              client listener on PORT+N and its controller on PORT+3+N
# Broker settings mirror what values.yaml gives the Bitnami brokers for that many nodes.
#
#   kafka-server.sh start NAME MODE PORT [ADDRESS]
#                                          start instance NAME (restarts its broker, keeping data);
#                                          ZooKeeper or the KRaft controller uses PORT+1; listening on
#                                          and advertising ADDRESS (127.0.0.1; the test node's address
#                                          for brokers its Pods reach)
#   kafka-server.sh stop NAME              stop it, keeping its data
#   kafka-server.sh freeze NAME            suspend the broker (SIGSTOP): connections open, no
#                                          replies, as a hung broker; kill or stop ends it
#   kafka-server.sh kill NAME [NODE]       kill the broker process (kraft3: node NODE's) at once (a crash)
#   kafka-server.sh delete NAME            stop it and remove its data
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
source "$here/../env.sh"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

[ -f "$LEARNFLOW_KAFKA_LIBS/.complete" ] ||
  die "Kafka $KAFKA_VERSION jars are missing from $LEARNFLOW_KAFKA_LIBS: run scripts/install-tools.sh"

java_run() { # java_run LOG PIDFILE MAINCLASS ARGS...: start a detached JVM
  local log=$1 pidfile=$2; shift 2
  setsid java -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$dir/log4j.properties" -Dzookeeper.admin.enableServer=false \
    -cp "$LEARNFLOW_KAFKA_LIBS/*" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

port_open() { (exec 3<>"/dev/tcp/$address/$1") 2>/dev/null; }

wait_port() { # wait_port PORT PIDFILE LOG: until PORT accepts connections, or the JVM dies
  wait_until --pid "$2" --log "$3" "port $1" 60 port_open "$1"
}

write_configs() { # write_configs MODE PORT
  local mode=$1 port=$2 second=$(($2 + 1))
  cat >"$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
  if [ "$mode" = kraft3 ]; then
    write_kraft3_configs "$port"
    return
  fi
  cat >"$dir/server.properties" <<PROPS
log.dirs=$dir/data
advertised.listeners=PLAINTEXT://$address:$port
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ "$mode" = zookeeper ]; then
    cat >>"$dir/server.properties" <<PROPS
broker.id=$broker_id
listeners=PLAINTEXT://$address:$port
zookeeper.connect=$address:$second
zookeeper.session.timeout.ms=6000
PROPS
    cat >"$dir/zookeeper.properties" <<PROPS
dataDir=$dir/zookeeper
clientPort=$second
clientPortAddress=$address
maxClientCnxns=0
4lw.commands.whitelist=srvr,dump
PROPS
  elif [ "$mode" = kraft ]; then
    cat >>"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=0
controller.quorum.voters=0@$address:$second
listeners=PLAINTEXT://$address:$port,CONTROLLER://$address:$second
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
PROPS
  else
    write_sasl_configs "$mode" "$port"
  fi
}

password() { # password NAME: the instance's password NAME, made once
  [ -f "$dir/$1.password" ] || head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$dir/$1.password"
  cat "$dir/$1.password"
}

write_sasl_configs() { # write_sasl_configs MODE PORT: SASL on every listener (kraft-scram, kraft-acl, kraft-scram-tls)
  local mode=$1 port=$2 second=$(($2 + 1)) client=SASL_PLAINTEXT
  [ "$mode" = kraft-scram-tls ] && client=SASL_SSL
  # The SASL listeners replace the plain one advertised above.
  sed -i "s|^advertised.listeners=.*|advertised.listeners=CLIENT://$address:$port,INTERNAL://$address:$((port + 2))|" "$dir/server.properties"
  cat >>"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=0
controller.quorum.voters=0@$address:$second
listeners=CLIENT://$address:$port,CONTROLLER://$address:$second,INTERNAL://$address:$((port + 2))
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=CLIENT:$client,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="inter_broker_user" password="$(password inter-broker)";
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller_user" password="$(password controller)" user_controller_user="$(password controller)";
PROPS
  if [ "$mode" = kraft-scram-tls ]; then
    [ -f "$dir/tls/server.pem" ] || die "$mode needs $dir/tls/server.pem (the server's key and certificate chain, PEM)"
    cat >>"$dir/server.properties" <<PROPS
listener.name.client.ssl.keystore.type=PEM
listener.name.client.ssl.keystore.location=$dir/tls/server.pem
PROPS
  fi
  if [ "$mode" = kraft-acl ]; then
    cat >>"$dir/server.properties" <<PROPS
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:inter_broker_user;User:controller_user
PROPS
  fi
}

write_kraft3_configs() { # write_kraft3_configs PORT: node N in $dir/node-N
  local port=$1 node voters=""
  for node in 0 1 2; do voters+="${voters:+,}$node@$address:$((port + 3 + node))"; done
  for node in 0 1 2; do
    mkdir -p "$dir/node-$node"
    cat >"$dir/node-$node/server.properties" <<PROPS
log.dirs=$dir/node-$node/data
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$voters
listeners=PLAINTEXT://$address:$((port + node)),CONTROLLER://$address:$((port + 3 + node))
advertised.listeners=PLAINTEXT://$address:$((port + node))
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
min.insync.replicas=2
group.initial.rebalance.delay.ms=0
PROPS
  done
}

broker_id=100

new_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22; }

format_storage() { # format_storage CLUSTER_ID CONFIG LOG [ARGS...]: a KRaft log directory, formatted once
  local cluster_id=$1 config=$2 log=$3; shift 3
  # "--cluster-id=" because a random id may begin with "-", which would read as an option.
  java -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$LEARNFLOW_KAFKA_LIBS/*" \
    kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$config" "$@" >>"$log" 2>&1 ||
    die "formatting the KRaft log directory of $config failed (log: $log)"
}

start_kraft3() { # start_kraft3 PORT: the three nodes, formatted once with one cluster id
  local port=$1 node cluster_id
  if [ ! -f "$dir/node-0/data/meta.properties" ]; then
    cluster_id=$(new_cluster_id)
    for node in 0 1 2; do format_storage "$cluster_id" "$dir/node-$node/server.properties" "$dir/kafka-$node.log"; done
  fi
  for node in 0 1 2; do
    running "$dir/kafka-$node.pid" ||
      java_run "$dir/kafka-$node.log" "$dir/kafka-$node.pid" kafka.Kafka "$dir/node-$node/server.properties"
  done
  for node in 0 1 2; do wait_port $((port + node)) "$dir/kafka-$node.pid" "$dir/kafka-$node.log"; done
}

start() { # start NAME MODE PORT
  local mode=$2 port=$3
  case "$mode" in zookeeper | kraft | kraft-scram | kraft-acl | kraft-scram-tls | kraft3) ;;
    *) die "MODE must be zookeeper, kraft, kraft-scram, kraft-acl, kraft-scram-tls or kraft3, not '$mode'" ;;
  esac
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$port'"
  stop_pid "$dir/kafka.pid"
  # A start that fails part-way leaves nothing running.
  trap stop_all EXIT
  mkdir -p "$dir/data"
  write_configs "$mode" "$port"
  if [ "$mode" = kraft3 ]; then
    start_kraft3 "$port"
    trap - EXIT
    echo "kafka-server: $name ($mode) listening on $address:$port-$((port + 2))"
    return
  fi
  if [ "$mode" = zookeeper ] && ! running "$dir/zookeeper.pid"; then
    java_run "$dir/zookeeper.log" "$dir/zookeeper.pid" \
      org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zookeeper.properties"
    wait_port $((port + 1)) "$dir/zookeeper.pid" "$dir/zookeeper.log"
  elif [ ! -f "$dir/data/meta.properties" ]; then
    # A KRaft log directory is formatted once with a cluster id; a restart keeps it.
    local scram=()
    if [[ "$mode" = kraft-scram* || "$mode" = kraft-acl ]]; then
      # SCRAM users live in the cluster metadata: they are created with the log directory.
      scram=(--add-scram "SCRAM-SHA-512=[name=learnflow,password=$(password client)]"
        --add-scram "SCRAM-SHA-512=[name=inter_broker_user,password=$(password inter-broker)]")
    fi
    format_storage "$(new_cluster_id)" "$dir/server.properties" "$dir/kafka.log" "${scram[@]}"
  fi
  [ "$mode" = zookeeper ] && wait_for_session_expiry $((port + 1))
  java_run "$dir/kafka.log" "$dir/kafka.pid" kafka.Kafka "$dir/server.properties"
  wait_port "$port" "$dir/kafka.pid" "$dir/kafka.log"
  trap - EXIT
  echo "kafka-server: $name ($mode) listening on $address:$port"
}

freeze_broker() {
  running "$dir/kafka.pid" || die "$name has no running broker to freeze"
  kill -STOP "$(cat "$dir/kafka.pid")"
}

kill_broker() { # kill_broker [NODE]
  local pid pidfile=$dir/kafka${1:+-$1}.pid
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$pidfile"
  touch "$dir/killed"
}

# A killed ZooKeeper-mode broker leaves its registration in ZooKeeper until its session expires
# (zookeeper.session.timeout.ms=6000, rounded up to ZooKeeper's tick); a broker started before
# then refuses to start. ZooKeeper's own list of ephemeral nodes (the "dump" command) says when.
wait_for_session_expiry() { # wait_for_session_expiry ZOOKEEPER_PORT
  [ -f "$dir/killed" ] || return 0
  local reply
  for _ in $(seq 1 240); do
    reply=$( (exec 3<>"/dev/tcp/$address/$1" && printf dump >&3 && cat <&3) 2>/dev/null) || reply=
    if [[ "$reply" == *"Sessions with Ephemerals"* && "$reply" != *"/brokers/ids/$broker_id"* ]]; then
      rm -f "$dir/killed"
      return 0
    fi
    sleep 0.25
  done
  die "ZooKeeper still holds the killed broker's registration after 60s (log: $dir/zookeeper.log)"
}

stop_all() {
  local pidfile
  for pidfile in "$dir"/kafka.pid "$dir"/kafka-?.pid; do stop_pid "$pidfile"; done
  stop_pid "$dir/zookeeper.pid"
}

[ $# -ge 2 ] || usage
command=$1 name=$2
[[ "$name" =~ ^[a-zA-Z0-9_-]+$ ]] || die "NAME must be letters, digits, - or _, not '$name'"
dir=$LEARNFLOW_STATE/kafka/$name
case "$command" in
  start)
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    address=${5:-127.0.0.1}
    start "$name" "$3" "$4" ;;
  stop) stop_all ;;
  freeze) freeze_broker ;;
  kill) kill_broker "${3:-}" ;;
  delete) stop_all; rm -rf "$dir" ;;
  *) usage ;;
esac
