import { describe, expect, it } from 'vitest';
import {
  describeFault,
  formatTimeout,
  parseDuration,
  parsePresets,
  parseProfiles,
  parseSetPresetToken,
  parseSoapFault,
  parseStatus,
  passwordDigest,
  pickProfile,
  presetTokenMap,
  readUsernameToken,
  resolvePresetRef,
  toCameraError,
} from '../../drivers/onvif/protocol.ts';
import * as soap from '../../drivers/onvif/sim-soap.ts';
import { parseXml, XmlError } from '../../drivers/onvif/xml.ts';

describe('onvif passwordDigest (WS-Security UsernameToken vectors)', () => {
  it.each([
    ['tKUH8ab3Rokm4t6IAlgcdg9yaEw=', '2010-08-10T10:52:42Z', '123456', 'W7exI36Xfo4M0yeXRZgpooU+QPM='],
    ['AAECAwQFBgcICQoLDA0ODw==', '2024-01-01T00:00:00.000Z', 'admin', 'C4tQMf53Yq8EgAPIgpajCs0Eyeo='],
  ])('nonce %s created %s password %s → %s', (nonce, created, password, digest) => {
    expect(passwordDigest(Buffer.from(nonce, 'base64'), created, password)).toBe(digest);
  });

  it('hashes the nonce bytes, not its Base64 text (the common bug gives 82E45...)', () => {
    const wrong = passwordDigest(Buffer.from('tKUH8ab3Rokm4t6IAlgcdg9yaEw='), '2010-08-10T10:52:42Z', '123456');
    expect(wrong).toBe('82E45UaXW8s89ToB5ATYjCDvBMk=');
    expect(wrong).not.toBe('W7exI36Xfo4M0yeXRZgpooU+QPM=');
  });
});

describe('onvif SOAP faults', () => {
  it('reads code, innermost subcode and reason from a SOAP 1.2 fault', () => {
    const { status, body } = soap.fault('Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
    expect(status).toBe(400);
    expect(parseSoapFault(body)).toEqual({ code: 's:Sender', subcode: 'ter:NoToken', reason: 'The requested preset token does not exist' });
  });

  it('describes a fault in the camera’s own words', () => {
    const fault = parseSoapFault(soap.fault('Sender', ['ter:NotAuthorized'], 'Sender not Authorized').body)!;
    expect(describeFault(fault)).toBe('camera refused: Sender not Authorized (ter:NotAuthorized)');
  });

  it('reads SOAP 1.1 faultstring and ignores non-fault or non-XML bodies', () => {
    const v11 = '<Envelope><Body><Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>Bad request</faultstring></Fault></Body></Envelope>';
    expect(parseSoapFault(v11)).toEqual({ code: 'SOAP-ENV:Client', reason: 'Bad request' });
    expect(parseSoapFault(soap.envelope(soap.empty('Stop')))).toBeUndefined();
    expect(parseSoapFault('\u0000garbage')).toBeUndefined();
  });

  it.each([
    [new Error('ONVIF SOAP Fault: Sender not Authorized'), soap.fault('Sender', ['ter:NotAuthorized'], 'Sender not Authorized').body, 'DeviceError', 'camera refused: Sender not Authorized (ter:NotAuthorized)'],
    [new Error('ONVIF SOAP Fault: boom'), undefined, 'DeviceError', 'camera refused: boom'],
    [new Error('Network timeout'), undefined, 'DeviceTimeout', 'camera at cam:80 did not answer GetStatus within 2000 ms'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), undefined, 'DeviceOffline', 'camera unreachable at cam:80 (GetStatus): connect ECONNREFUSED 127.0.0.1:9'],
    [new Error('Wrong ONVIF SOAP response'), 'junk', 'DeviceError', 'camera sent an unreadable answer to GetStatus: "junk"'],
  ])('maps %s to a RoomError', (err, xml, code, message) => {
    const e = toCameraError(err, xml, 'GetStatus', 'cam:80', 2000);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });
});

describe('onvif durations', () => {
  it.each([
    [1, 'PT1S'],
    [0.4, 'PT1S'],
    [2.6, 'PT3S'],
    [10, 'PT10S'],
  ])('formatTimeout(%s) = %s (whole seconds only)', (sec, text) => expect(formatTimeout(sec)).toBe(text));

  it.each([
    ['PT1S', 1000],
    ['PT0.5S', 500],
    ['PT1M30S', 90_000],
    ['P1DT2H', 93_600_000],
    ['PT', undefined],
    ['1S', undefined],
    ['P', undefined],
  ])('parseDuration(%s) = %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('onvif answers', () => {
  it('reads profiles and picks the configured one or the first with PTZ', () => {
    const xml = soap.envelope(soap.profiles([
      { token: 'snap', name: 'Snapshot', ptz: false },
      { token: 'main', name: 'Main', ptz: true },
    ]));
    const profiles = parseProfiles(xml);
    expect(profiles).toEqual([
      { token: 'snap', name: 'Snapshot' },
      { token: 'main', name: 'Main', ptzConfiguration: 'ptz_config' },
    ]);
    expect(pickProfile(profiles)).toMatchObject({ token: 'main' });
    expect(pickProfile(profiles, 'main')).toMatchObject({ token: 'main' });
    expect(pickProfile(profiles, 'snap')).toBe("profile 'snap' has no PTZ configuration (profiles: snap, main)");
    expect(pickProfile(profiles, 'nope')).toBe("profile 'nope' not found on the camera (profiles: snap, main)");
    expect(pickProfile([profiles[0]!])).toBe('no media profile with a PTZ configuration (profiles: snap)');
  });

  it('reads a Media2 profile with Configurations/PTZ', () => {
    const xml = '<Envelope><Body><GetProfilesResponse><Profiles token="p2"><Name>M2</Name><Configurations><PTZ token="c"/></Configurations></Profiles></GetProfilesResponse></Body></Envelope>';
    expect(parseProfiles(xml)).toEqual([{ token: 'p2', name: 'M2', ptzConfiguration: 'c' }]);
  });

  it('keeps preset tokens as exact strings ("01" stays "01", entities decoded)', () => {
    const xml = soap.envelope(soap.presets([
      { token: '01', name: '1', position: { pan: 0, tilt: 0, zoom: 0 } },
      { token: 'a&b', name: 'Salle entière', position: { pan: 0.5, tilt: 0, zoom: 0 } },
    ]));
    expect(parsePresets(xml)).toEqual([{ token: '01', name: '1' }, { token: 'a&b', name: 'Salle entière' }]);
    expect(parseSetPresetToken(soap.envelope(soap.setPreset('preset_7')))).toBe('preset_7');
  });

  it('reads GetStatus, clamping to the generic spaces', () => {
    const xml = soap.envelope(soap.status({ pan: -0.8647, tilt: 0.2674, zoom: 0.2119 }, { panTilt: 'IDLE', zoom: 'MOVING' }, new Date(0)));
    expect(parseStatus(xml)).toEqual({ pan: -0.8647, tilt: 0.2674, zoom: 0.2119, moving: true, moveStatus: { panTilt: 'IDLE', zoom: 'MOVING' } });
    const out = '<E><Body><GetStatusResponse><PTZStatus><Position><PanTilt x="1.2" y="-3"/><Zoom x="-0.1"/></Position><MoveStatus>IDLE</MoveStatus></PTZStatus></GetStatusResponse></Body></E>';
    expect(parseStatus(out)).toMatchObject({ pan: 1, tilt: -1, zoom: 0, moving: false, moveStatus: { panTilt: 'IDLE' } });
    const noZoom = '<E><Body><GetStatusResponse><PTZStatus><Position><PanTilt x="0.1" y="0.2"/></Position></PTZStatus></GetStatusResponse></Body></E>';
    expect(parseStatus(noZoom)).toMatchObject({ pan: 0.1, tilt: 0.2, zoom: null });
    expect(parseStatus(soap.envelope(soap.empty('Stop')))).toBeUndefined();
  });

  it('reads the UsernameToken of a request', () => {
    const env = parseXml(
      '<s:Envelope xmlns:s="x"><s:Header><Security><UsernameToken><Username>admin</Username>' +
        '<Password Type="t#PasswordDigest">D</Password><Nonce>N</Nonce><Created xmlns="u">C</Created></UsernameToken></Security></s:Header><s:Body/></s:Envelope>',
    );
    expect(readUsernameToken(env)).toEqual({ username: 'admin', password: 'D', passwordType: 't#PasswordDigest', nonce: 'N', created: 'C' });
  });
});

describe('onvif preset numbers', () => {
  const p = (token: string, name: string) => ({ token, name });
  it.each([
    ['by numeric name', [p('t-a', '2'), p('t-b', '1')], {}, { 1: 't-b', 2: 't-a' }],
    ['by order when no name is a number', [p('A', 'Door'), p('B', 'Table')], {}, { 1: 'A', 2: 'B' }],
    ['a stored "3" does not reshuffle order-mapped ones', [p('A', 'Door'), p('B', 'Table'), p('C', '3')], {}, { 1: 'A', 2: 'B', 3: 'C' }],
    ['explicit tokens win', [p('t-a', '1')], { 1: 'mine', 4: 'four' }, { 1: 'mine', 4: 'four' }],
    ['nothing stored', [], {}, {}],
  ])('%s', (_label, presets, explicit, expected) => {
    expect(Object.fromEntries(presetTokenMap(presets, explicit as Record<string, string>))).toEqual(expected);
  });

  it.each([
    [2, 2],
    ['3', 3],
    ['salle entière', 1],
    ['Bureau', 'unknown preset \'Bureau\' (presets: 1 "Salle entière", 2 "Tableau")'],
  ])('resolvePresetRef(%s)', (ref, expected) => {
    expect(resolvePresetRef(ref, { 1: 'Salle entière', 2: 'Tableau' })).toBe(expected);
  });
});

describe('onvif xml reader', () => {
  it('strips prefixes, decodes entities and CDATA', () => {
    const root = parseXml('<?xml version="1.0"?><!-- c --><a:Root xmlns:a="u" b:attr="1 &amp; 2"><a:X>&lt;&#65;&#x42;</a:X><Y><![CDATA[<raw>]]></Y></a:Root>');
    expect(root.name).toBe('Root');
    expect(root.attrs).toEqual({ attr: '1 & 2' });
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['X', '<AB'], ['Y', '<raw>']]);
  });

  it.each([
    ['', 'no root'],
    ['garbage', 'text outside'],
    ['<a><b></a>', 'unexpected closing tag'],
    ['<a>', 'unclosed <a>'],
    ['<a/><b/>', 'second root'],
    ['<!DOCTYPE x><a/>', 'DTDs'],
    ['<a>&bogus;</a>', 'unknown entity'],
  ])('rejects %j (%s)', (text, why) => {
    expect(() => parseXml(text)).toThrow(XmlError);
    expect(() => parseXml(text)).toThrow(why);
  });
});

describe('hostile XML (found by fuzzing)', () => {
  it('a reply nested 20 000 levels deep is not a fault and does not blow the stack', async () => {
    const { parseSoapFault } = await import('../../drivers/onvif/protocol.ts');
    const deep = '<a>'.repeat(20_000) + '</a>'.repeat(20_000);
    expect(parseSoapFault(deep)).toBeUndefined();
  });
});
