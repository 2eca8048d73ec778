import test from 'ava';
import { eventJson, eventMatcher } from '../../../../runtime/api/docker/event-json.js';
import type { EngineEvent } from '../../../../runtime/types.js';

const NET = 'f'.repeat(64);
const connect: EngineEvent = {
  type: 'network', action: 'connect', id: NET, attributes: { name: 'backend', type: 'bridge', container: 'a'.repeat(64) }, time: 1700000000, timeNano: 1700000000e9,
};

test('network events have Docker\'s shape: Type network, Actor.ID the network, no legacy fields', (t) => {
  t.deepEqual(eventJson(connect), {
    Type: 'network', Action: 'connect', Actor: { ID: NET, Attributes: { name: 'backend', type: 'bridge', container: 'a'.repeat(64) } },
    scope: 'local', time: 1700000000, timeNano: 1700000000e9,
  });
});

test('type and network filters select network events by ID prefix or name', (t) => {
  t.true(eventMatcher({ type: ['network'] })(connect));
  t.true(eventMatcher({ network: ['backend'] })(connect));
  t.true(eventMatcher({ network: ['ffff'] })(connect));
  t.false(eventMatcher({ network: ['frontend'] })(connect));
  t.false(eventMatcher({ container: ['a'] })(connect), 'as dockerd: the container filter matches container events only');
  t.true(eventMatcher({ event: ['connect'] })(connect));
});
