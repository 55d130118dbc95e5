import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { holdRequest, onRequestEnd } from '../src/request-end.js';

const response = () => new ServerResponse(new IncomingMessage(new Socket()));

describe('onRequestEnd', () => {
  it('ends a request when its response closes, telling every listener once, with the response as `this`', () => {
    const res = response();
    const seen: unknown[] = [];
    onRequestEnd(res, function () {
      seen.push(this);
    });
    onRequestEnd(res, function () {
      seen.push(this);
    });
    res.emit('close');
    res.emit('close');
    expect(seen).toEqual([res, res]);
  });

  it('puts the end of a held request off until the last hold is given back', () => {
    const res = response();
    let ended = 0;
    onRequestEnd(res, () => ended++);
    const first = holdRequest(res);
    const second = holdRequest(res);
    res.emit('close'); // the client hung up; the work goes on
    expect(ended).toBe(0);
    first();
    first(); // given back twice counts once
    expect(ended).toBe(0);
    second();
    expect(ended).toBe(1);
  });

  it('ends a request held and given back before its response closes at the close, as any other', () => {
    const res = response();
    let ended = 0;
    onRequestEnd(res, () => ended++);
    holdRequest(res)();
    expect(ended).toBe(0);
    res.emit('close');
    expect(ended).toBe(1);
  });

  it('ends a pipelined request still waiting for the socket when its connection closes, as Node ends one that has it', () => {
    const socket = new Socket();
    const res = new ServerResponse(new IncomingMessage(socket)); // queued: never given the socket
    let ended = 0;
    let closes = 0;
    onRequestEnd(res, () => ended++);
    res.on('close', () => closes++);
    socket.emit('close');
    socket.emit('close');
    expect({ ended, closes, destroyed: res.destroyed }).toEqual({ ended: 1, closes: 1, destroyed: true });
  });

  it('leaves a pipelined response given the socket before its connection closes to Node, which closes it once', () => {
    const socket = new Socket();
    const res = new ServerResponse(new IncomingMessage(socket));
    let ended = 0;
    let closes = 0;
    onRequestEnd(res, () => ended++);
    res.on('close', () => closes++);
    res.assignSocket(socket); // its turn came
    socket.emit('close');
    expect({ ended, closes }).toEqual({ ended: 1, closes: 1 });
  });
});
