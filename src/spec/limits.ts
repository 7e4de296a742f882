// Segment's tracking API limits (sources/catalog/libraries/server/http-api). 1 KB = 1024 bytes, as
// analytics-node counts when it caps its own batches.
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
export const MAX_MESSAGE_ID_LENGTH = 100;
