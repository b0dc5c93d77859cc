import { describe, expect, it } from 'vitest';
import { randomClusterId } from './infra';

describe('randomClusterId', () => {
  it('is 22 characters of URL-safe base64, the shape Kafka expects of a cluster id', () => {
    for (let i = 0; i < 200; i++) expect(randomClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
