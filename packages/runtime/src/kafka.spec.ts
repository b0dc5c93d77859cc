import { AllTopics, Topics, dlqTopic } from '@fleetlab/contracts';
import { describe, expect, it } from 'vitest';
import { fleetlabTopics } from './kafka';

describe('fleetlabTopics', () => {
  it('is every contract topic and its DLQ, with the partitions and replication of the config', () => {
    const specs = fleetlabTopics({ KAFKA_PARTITIONS: 12, KAFKA_REPLICATION_FACTOR: 3 });
    expect(specs.map((s) => s.topic).sort()).toEqual([...AllTopics].sort());
    expect(specs.map((s) => s.topic)).toEqual(expect.arrayContaining([Topics.newPosition, dlqTopic(Topics.newPosition)]));
    for (const spec of specs) expect(spec).toMatchObject({ numPartitions: 12, replicationFactor: 3 });
  });
});
