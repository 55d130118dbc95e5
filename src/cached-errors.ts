import type { Plugin } from 'graphql-yoga';

/**
 * Turns the stack of each error a document failed validation with, which Yoga caches with the
 * document, into its text while the request is still running. V8 records an error's stack as the
 * frames it was created in, functions and their scopes included, and writes the text only when
 * `stack` is first read; Yoga's validation cache keeps the errors as long as the document is
 * cached, and graphql-js's validation ran in Yoga's closures over the request. So each cached
 * invalid document held the first request that sent it, body and all: ~250 kB for a 90 kB body,
 * ~250 MB once 1,000 such documents were cached, against the production heap of 160 MB (found by
 * the input fuzz audit, where it was half the heap's growth).
 */
export function releaseErrorStacksPlugin(): Plugin {
  return {
    onValidate() {
      return ({ result }) => {
        for (const error of result) release(error);
      };
    },
  };
}

/** Reading `stack` writes it as text and lets go of the frames it was recorded from. */
function release(error: Error): void {
  void error.stack;
}
