import { describe, expect, it } from 'vitest';
import { answerType, bodyType } from '../src/media-type.js';

const NEW = 'application/graphql-response+json';
const JSON_TYPE = 'application/json';

describe('answerType', () => {
  it.each([
    [undefined, JSON_TYPE],
    ['', JSON_TYPE],
    ['*/*', JSON_TYPE],
    ['application/*', JSON_TYPE],
    [NEW, NEW],
    [JSON_TYPE, JSON_TYPE],
    ['application/graphql-response+json, application/json;q=0.9', NEW],
    ['application/json, application/graphql-response+json', JSON_TYPE], // Apollo Router's two Accept lines, joined
    ['application/graphql-response+json, application/json', NEW],
    ['application/json;q=.5, application/graphql-response+json;q=0.4', JSON_TYPE],
    ['application/json;q=2, application/graphql-response+json;q=0.9', JSON_TYPE], // a weight out of range is no weight
    ['application/json;q=0.9, application/graphql-response+json', NEW],
    ['application/graphql-response+json;q=0.1, application/json', JSON_TYPE],
    ['APPLICATION/JSON; Charset="UTF-8"', JSON_TYPE],
    ['text/html, */*;q=0.8', JSON_TYPE],
    ['application/graphql-response+json, */*;q=0.5', NEW],
  ])('answers %j in %s', (accept, expected) => {
    expect(answerType(accept)).toBe(expected);
  });

  it.each([
    ['application/json;q=0'],
    ['text/event-stream'],
    ['multipart/mixed'],
    ['text/html'],
    ['application/json; charset=utf-16'],
    ['*/*;q=0'],
    ['application/json;q=0, text/plain'],
  ])('accepts neither type for %j', (accept) => {
    expect(answerType(accept)).toBeNull();
  });

  it('lets the most specific range decide: a type refused by name is not taken back by a wildcard', () => {
    expect(answerType('application/graphql-response+json;q=0, */*')).toBe(JSON_TYPE);
    expect(answerType('application/json;q=0, */*')).toBe(NEW);
  });
});

describe('bodyType', () => {
  it.each([
    ['application/json', JSON_TYPE],
    ['Application/JSON', JSON_TYPE],
    ['application/json ; charset=UTF-8', JSON_TYPE],
    ['application/json; charset=utf8', JSON_TYPE],
    ['application/json; charset=US-ASCII', JSON_TYPE],
    ['application/graphql', 'application/graphql'],
  ])('reads %j as %s', (header, expected) => {
    expect(bodyType(header)).toBe(expected);
  });

  it.each([[undefined], [''], ['application/json; charset=utf-16'], ['application/*'], ['json'], ['application/json, text/plain']])('has no type for %j', (header) => {
    expect(bodyType(header)).toBeNull();
  });
});
