# Fetches Kafka and Apicurio Registry from Maven Central into $CM_CACHE, once per version.
# Sourced by scripts/stack.

# Maven's own output (hundreds of lines) goes to a log in the cache; the terminal gets a line
# when the fetch starts, one every MAVEN_PROGRESS_SECONDS with what has come so far, and one at
# the end. On failure the log's tail is printed, and the log is kept.
maven_fetch() {
  local what=$1 pom_dir=$2; shift 2
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch $what; install it (apt-get install maven)."
  local log="$CM_CACHE/logs/maven-$(basename "$pom_dir").log" started=$SECONDS every=${MAVEN_PROGRESS_SECONDS:-30}
  mkdir -p "$CM_CACHE/logs"
  say "fetching $what from Maven Central into $CM_CACHE (first time only; Maven's log: $log)"
  mvn -B --no-transfer-progress -Dstyle.color=never -f "$pom_dir/pom.xml" -Dmaven.repo.local="$CM_CACHE/m2" "$@" >"$log" 2>&1 &
  local pid=$! next=$((SECONDS + every))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$next" ]; then
      say "  still fetching $what: $(maven_cache_size) in the Maven cache after $((SECONDS - started))s"
      next=$((SECONDS + every))
    fi
    sleep 1
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" | sed 's/^/  | /' >&2
    fail "Maven could not fetch $what (the lines above are the end of $log)"
  fi
  say "fetched $what in $((SECONDS - started))s"
}

# What Maven has downloaded so far, for the progress line.
maven_cache_size() {
  if [ -d "$CM_CACHE/m2" ]; then du -sh "$CM_CACHE/m2" | cut -f1; else echo "nothing yet"; fi
}

fetch_kafka() {
  KAFKA_HOME="$CM_CACHE/kafka-$KAFKA_VERSION"
  [ -f "$KAFKA_HOME/.complete" ] && return 0
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME"
  cat > "$KAFKA_HOME/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.channel-manager</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  maven_fetch "Apache Kafka $KAFKA_VERSION" "$KAFKA_HOME" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/lib"
  touch "$KAFKA_HOME/.complete"
}

fetch_apicurio() {
  APICURIO_HOME="$CM_CACHE/apicurio-registry-$APICURIO_VERSION"
  [ -f "$APICURIO_HOME/.complete" ] && return 0
  rm -rf "$APICURIO_HOME" && mkdir -p "$APICURIO_HOME"
  cat > "$APICURIO_HOME/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.channel-manager</groupId><artifactId>registry-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
</project>
POM
  maven_fetch "Apicurio Registry $APICURIO_VERSION" "$APICURIO_HOME" \
    dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$APICURIO_HOME"
  # GNU tar, not Maven's unpacker: the archive uses pax headers for its long file names.
  mkdir -p "$APICURIO_HOME/app"
  tar -xzf "$APICURIO_HOME"/apicurio-registry-app-*.tar.gz -C "$APICURIO_HOME/app" \
    || fail "could not unpack the Apicurio archive"
  rm -f "$APICURIO_HOME"/apicurio-registry-app-*.tar.gz
  # 3.0.x ships a legacy runner jar, later versions a quarkus-app folder with quarkus-run.jar.
  local run_jar
  run_jar=$(find "$APICURIO_HOME/app" -maxdepth 3 \( -name quarkus-run.jar -o -name '*-runner.jar' \) | head -1)
  [ -n "$run_jar" ] || fail "the Apicurio archive has neither quarkus-run.jar nor a runner jar"
  echo "$run_jar" > "$APICURIO_HOME/run-jar"
  touch "$APICURIO_HOME/.complete"
}
