import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import {
  ControllerExpectations,
  EXPECTATIONS_TIMEOUT_MS,
  UIDTrackingControllerExpectations,
} from './expectations.js';

type Op =
  | ['expectCreations', number]
  | ['expectDeletions', number]
  | ['set', number, number]
  | ['created']
  | ['deleted']
  | ['raise', number, number]
  | ['lower', number, number]
  | ['advance', number]
  | ['delete']
  | ['satisfied', boolean];

describe('ControllerExpectations', () => {
  const cases: Array<{ name: string; ops: Op[] }> = [
    { name: 'a key never set is satisfied', ops: [['satisfied', true]] },
    {
      name: 'creations must all be observed',
      ops: [
        ['expectCreations', 2],
        ['satisfied', false],
        ['created'],
        ['satisfied', false],
        ['created'],
        ['satisfied', true],
      ],
    },
    {
      name: 'deletions must all be observed; extra observations keep it satisfied',
      ops: [['expectDeletions', 1], ['satisfied', false], ['deleted'], ['deleted'], ['satisfied', true]],
    },
    {
      name: 'both counters must reach zero',
      ops: [['set', 1, 1], ['created'], ['satisfied', false], ['deleted'], ['satisfied', true]],
    },
    {
      name: 'expire after five minutes',
      ops: [
        ['expectCreations', 3],
        ['advance', EXPECTATIONS_TIMEOUT_MS],
        ['satisfied', false],
        ['advance', 1],
        ['satisfied', true],
      ],
    },
    {
      name: 'setting again resets the counts and the timestamp',
      ops: [
        ['expectCreations', 1],
        ['advance', EXPECTATIONS_TIMEOUT_MS],
        ['expectCreations', 1],
        ['advance', 1],
        ['satisfied', false],
      ],
    },
    {
      name: 'raise and lower adjust existing expectations only',
      ops: [
        ['raise', 1, 0],
        ['satisfied', true],
        ['expectCreations', 1],
        ['raise', 1, 1],
        ['lower', 2, 0],
        ['satisfied', false],
        ['lower', 0, 1],
        ['satisfied', true],
      ],
    },
    {
      name: 'deleted expectations are satisfied',
      ops: [['expectCreations', 5], ['delete'], ['satisfied', true]],
    },
    {
      name: 'observations without expectations are ignored',
      ops: [['created'], ['deleted'], ['satisfied', true]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const clock = new FakeClock();
      const e = new ControllerExpectations(clock);
      const k = 'ns/rs';
      for (const [i, op] of c.ops.entries()) {
        switch (op[0]) {
          case 'expectCreations':
            e.expectCreations(k, op[1]);
            break;
          case 'expectDeletions':
            e.expectDeletions(k, op[1]);
            break;
          case 'set':
            e.setExpectations(k, op[1], op[2]);
            break;
          case 'created':
            e.creationObserved(k);
            break;
          case 'deleted':
            e.deletionObserved(k);
            break;
          case 'raise':
            e.raiseExpectations(k, op[1], op[2]);
            break;
          case 'lower':
            e.lowerExpectations(k, op[1], op[2]);
            break;
          case 'advance':
            clock.advance(op[1]);
            break;
          case 'delete':
            e.deleteExpectations(k);
            break;
          case 'satisfied':
            assert.equal(e.satisfiedExpectations(k), op[1], `op ${i}`);
            break;
        }
      }
    });
  }
});

describe('UIDTrackingControllerExpectations', () => {
  it('counts each expected deletion once, ignores others', () => {
    const e = new UIDTrackingControllerExpectations(new FakeClock());
    e.expectDeletionsOf('ns/rs', ['ns/p1', 'ns/p2']);
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.deletionObservedOf('ns/rs', 'ns/p1');
    e.deletionObservedOf('ns/rs', 'ns/p1'); // seen again as finally gone
    e.deletionObservedOf('ns/rs', 'ns/other');
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    assert.deepEqual([...(e.getUIDs('ns/rs') ?? [])], ['ns/p2']);
    e.deletionObservedOf('ns/rs', 'ns/p2');
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
  });

  it('deleteExpectations forgets the keys too', () => {
    const e = new UIDTrackingControllerExpectations(new FakeClock());
    e.expectDeletionsOf('ns/rs', ['ns/p1']);
    e.deleteExpectations('ns/rs');
    assert.equal(e.getUIDs('ns/rs'), undefined);
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
  });
});
