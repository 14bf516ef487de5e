"""A single-node KRaft Kafka broker run from the official ``kafka_2.13`` jars."""

from deploy.local.kafka.broker import KafkaBroker, KafkaJars

__all__ = ["KafkaBroker", "KafkaJars"]
