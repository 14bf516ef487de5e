"""Create o2c's topics with the admin client before the worker subscribes.

A consumer that subscribes to a topic that does not exist yet only notices it at its next metadata
refresh (minutes); creating topics first makes the first start as fast as every later one.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.contract.topics import TopicSpec


async def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec], *, partitions: int, replication: int) -> list[str]:
    """Create the missing topics and grow any with too few partitions; return the names created.

    Partitions are only ever added (Kafka cannot remove them); keys then hash differently for new
    events, which is why the count is chosen up front (DESIGN §7).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        specs = list(specs)
        existing = set(await admin.list_topics())
        present = [spec.name for spec in specs if spec.name in existing]
        if present:
            short = {
                t["topic"]: NewPartitions(total_count=partitions)
                for t in await admin.describe_topics(present)
                if len(t["partitions"]) < partitions
            }
            if short:
                await admin.create_partitions(short)
        wanted = [
            NewTopic(
                name=spec.name, num_partitions=partitions, replication_factor=replication,
                topic_configs={"cleanup.policy": "compact"} if spec.compacted else {},
            )
            for spec in specs
            if spec.name not in existing
        ]
        created = []
        for new in wanted:  # one at a time: a topic created concurrently elsewhere is not an error
            try:
                await admin.create_topics([new])
                created.append(new.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        await admin.close()
