import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';

/**
 * The driver's collection under a mongoose model, typed with the model's document: mongoose types it as a collection
 * of untyped documents with ObjectId `_id`s, while ours have string `_id`s. The one cast lives here, so inserts and
 * filters by `_id` are checked against the document type instead of cast with `as never`.
 */
export function collectionOf<T extends { _id: string }>(model: Model<T>): Collection<T> {
  return model.collection as unknown as Collection<T>;
}
