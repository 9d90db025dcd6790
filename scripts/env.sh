# Sourced by the scripts, .ci/run and developers: where the cached tools live, and a PATH that
# finds them. Tools are cached outside the clone, keyed by version, so fresh clones reuse them.
_learnflow_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$_learnflow_root/scripts/versions.env"
export LEARNFLOW_CACHE=${LEARNFLOW_CACHE:-$HOME/.cache/learnflow-infra}
export LEARNFLOW_STATE=${LEARNFLOW_STATE:-${TMPDIR:-/tmp}/learnflow-infra}
export LEARNFLOW_HELM_DIR=$LEARNFLOW_CACHE/helm/$HELM_VERSION
export LEARNFLOW_KAFKA_LIBS=$LEARNFLOW_CACHE/kafka/$KAFKA_VERSION/libs
export LEARNFLOW_VALIDATE_DIR=$LEARNFLOW_CACHE/kubernetes-validate/$KUBERNETES_VALIDATE_VERSION
case ":$PATH:" in
  *":$LEARNFLOW_HELM_DIR:"*) ;;
  *) export PATH=$LEARNFLOW_HELM_DIR:$LEARNFLOW_VALIDATE_DIR/bin:$PATH ;;
esac
unset _learnflow_root
