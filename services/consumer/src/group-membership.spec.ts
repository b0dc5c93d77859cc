import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Consumer, Kafka } from '@fleetlab/runtime';
import { GroupMembership } from './group-membership';

const events = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  STOP: 'consumer.stop',
  DISCONNECT: 'consumer.disconnect',
  CRASH: 'consumer.crash',
};

function fakeConsumer(): Consumer & EventEmitter {
  return Object.assign(new EventEmitter(), { events }) as unknown as Consumer & EventEmitter;
}

describe('GroupMembership', () => {
  it('is joined from GROUP_JOIN until a rebalance, stop, disconnect or crash', () => {
    const membership = new GroupMembership();
    const consumer = fakeConsumer();
    membership.track(consumer);
    expect(membership.isJoined()).toBe(false);
    for (const leave of [events.REBALANCING, events.STOP, events.DISCONNECT, events.CRASH]) {
      consumer.emit(events.GROUP_JOIN);
      expect(membership.isJoined()).toBe(true);
      consumer.emit(leave);
      expect(membership.isJoined()).toBe(false);
    }
  });

  it('tracks the consumers created through the observed client and leaves the rest of it alone', () => {
    const membership = new GroupMembership();
    const consumer = fakeConsumer();
    const producer = {};
    const kafka = { consumer: () => consumer, producer: () => producer } as unknown as Kafka;
    const observed = membership.observe(kafka);
    expect(observed.producer()).toBe(producer);
    expect(observed.consumer({ groupId: 'g' })).toBe(consumer);
    consumer.emit(events.GROUP_JOIN);
    expect(membership.isJoined()).toBe(true);
  });
});
