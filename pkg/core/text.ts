/**
 * Text the database can store: PostgreSQL's text and jsonb refuse the NUL character, and an unpaired UTF-16
 * surrogate has no UTF-8 encoding. A regular expression rather than `isWellFormed`, since the contract that uses it
 * is also compiled for browsers without it.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

export const isStorableText = (text: string): boolean => !text.includes('\0') && !LONE_SURROGATE.test(text);
