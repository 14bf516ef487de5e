"""The local stack: a real Apache Kafka broker from Maven Central jars and an embedded PostgreSQL."""
