import type { Vec } from './sim-ptz.ts';
import { escapeXml as x } from './xml.ts';

/**
 * SOAP 1.2 answers of the simulated camera, shaped like a real Profile S device's (namespaces,
 * element order, attributes) so the unmodified `onvif` client parses them as it would a camera's.
 */

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  ter: 'http://www.onvif.org/ver10/error',
};
const SPACE = 'http://www.onvif.org/ver10/tptz/';

/** Wraps body content in an envelope declaring every prefix used here. */
export function envelope(body: string): string {
  const decls = Object.entries(NS).map(([p, uri]) => `xmlns:${p}="${uri}"`).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope ${decls}><s:Body>${body}</s:Body></s:Envelope>`;
}

/** A SOAP 1.2 fault; `Sender` faults go out as HTTP 400, `Receiver` faults as 500 (ONVIF core §5.11). */
export function fault(side: 'Sender' | 'Receiver', subcodes: string[], reason: string): { status: number; body: string } {
  const nest = (codes: string[]): string =>
    codes.length === 0 ? '' : `<s:Subcode><s:Value>${x(codes[0]!)}</s:Value>${nest(codes.slice(1))}</s:Subcode>`;
  const body = envelope(
    `<s:Fault><s:Code><s:Value>s:${side}</s:Value>${nest(subcodes)}</s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${x(reason)}</s:Text></s:Reason></s:Fault>`,
  );
  return { status: side === 'Sender' ? 400 : 500, body };
}

/** Numbers without exponents: the client's number detection does not read `1e-7`. */
export const n = (v: number): string => String(Number(v.toFixed(6)));

export function systemDateAndTime(date: Date): string {
  return (
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>` +
    `<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
    `<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>` +
    `<tt:UTCDateTime><tt:Time><tt:Hour>${date.getUTCHours()}</tt:Hour><tt:Minute>${date.getUTCMinutes()}</tt:Minute>` +
    `<tt:Second>${date.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${date.getUTCFullYear()}</tt:Year>` +
    `<tt:Month>${date.getUTCMonth() + 1}</tt:Month><tt:Day>${date.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime>` +
    `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
  );
}

/** Service addresses the simulator advertises. */
export interface XAddrs {
  device: string;
  media: string;
  ptz: string;
}

export function services(addr: XAddrs): string {
  const service = (ns: string, xaddr: string, major: number, minor: number): string =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${x(xaddr)}</tds:XAddr>` +
    `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
  return (
    `<tds:GetServicesResponse>` +
    service(NS.tds, addr.device, 2, 5) +
    service(NS.trt, addr.media, 2, 5) +
    service(NS.tptz, addr.ptz, 2, 5) +
    `</tds:GetServicesResponse>`
  );
}

export function capabilities(addr: XAddrs): string {
  return (
    `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
    `<tt:Device><tt:XAddr>${x(addr.device)}</tt:XAddr></tt:Device>` +
    `<tt:Media><tt:XAddr>${x(addr.media)}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
    `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
    `<tt:PTZ><tt:XAddr>${x(addr.ptz)}</tt:XAddr></tt:PTZ>` +
    `</tds:Capabilities></tds:GetCapabilitiesResponse>`
  );
}

export function deviceInformation(): string {
  return (
    `<tds:GetDeviceInformationResponse><tds:Manufacturer>roomd</tds:Manufacturer><tds:Model>Simulated PTZ</tds:Model>` +
    `<tds:FirmwareVersion>1.0.0</tds:FirmwareVersion><tds:SerialNumber>SIM-0001</tds:SerialNumber>` +
    `<tds:HardwareId>SIM-PTZ</tds:HardwareId></tds:GetDeviceInformationResponse>`
  );
}

/** A media profile of the simulated camera. */
export interface SimProfile {
  token: string;
  name: string;
  ptz: boolean;
}

const PTZ_CONFIGURATION =
  `<tt:PTZConfiguration token="ptz_config"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>ptz_node</tt:NodeToken>` +
  `<tt:DefaultAbsolutePantTiltPositionSpace>${SPACE}PanTiltSpaces/PositionGenericSpace</tt:DefaultAbsolutePantTiltPositionSpace>` +
  `<tt:DefaultAbsoluteZoomPositionSpace>${SPACE}ZoomSpaces/PositionGenericSpace</tt:DefaultAbsoluteZoomPositionSpace>` +
  `<tt:DefaultContinuousPanTiltVelocitySpace>${SPACE}PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>` +
  `<tt:DefaultContinuousZoomVelocitySpace>${SPACE}ZoomSpaces/VelocityGenericSpace</tt:DefaultContinuousZoomVelocitySpace>` +
  `<tt:DefaultPTZSpeed><tt:PanTilt x="1" y="1" space="${SPACE}PanTiltSpaces/GenericSpeedSpace"/>` +
  `<tt:Zoom x="1" space="${SPACE}ZoomSpaces/ZoomGenericSpeedSpace"/></tt:DefaultPTZSpeed>` +
  `<tt:DefaultPTZTimeout>PT10S</tt:DefaultPTZTimeout>` +
  `<tt:PanTiltLimits><tt:Range><tt:URI>${SPACE}PanTiltSpaces/PositionGenericSpace</tt:URI>` +
  `<tt:XRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:XRange><tt:YRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:YRange></tt:Range></tt:PanTiltLimits>` +
  `<tt:ZoomLimits><tt:Range><tt:URI>${SPACE}ZoomSpaces/PositionGenericSpace</tt:URI>` +
  `<tt:XRange><tt:Min>0</tt:Min><tt:Max>1</tt:Max></tt:XRange></tt:Range></tt:ZoomLimits></tt:PTZConfiguration>`;

export function profiles(list: SimProfile[]): string {
  const one = (p: SimProfile): string =>
    `<trt:Profiles token="${x(p.token)}" fixed="true"><tt:Name>${x(p.name)}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="vsc_1"><tt:Name>VideoSource</tt:Name><tt:UseCount>${list.length}</tt:UseCount>` +
    `<tt:SourceToken>video_source_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="vec_${x(p.token)}"><tt:Name>H264</tt:Name><tt:UseCount>1</tt:UseCount>` +
    `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>` +
    `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
    (p.ptz ? PTZ_CONFIGURATION : '') +
    `</trt:Profiles>`;
  return `<trt:GetProfilesResponse>${list.map(one).join('')}</trt:GetProfilesResponse>`;
}

export function videoSources(): string {
  return (
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="video_source_1"><tt:Framerate>25</tt:Framerate>` +
    `<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`
  );
}

export function nodes(maxPresets: number): string {
  return (
    `<tptz:GetNodesResponse><tptz:PTZNode token="ptz_node" FixedHomePosition="false"><tt:Name>PTZ</tt:Name>` +
    `<tt:SupportedPTZSpaces><tt:ContinuousPanTiltVelocitySpace><tt:URI>${SPACE}PanTiltSpaces/VelocityGenericSpace</tt:URI>` +
    `<tt:XRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:XRange><tt:YRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:YRange>` +
    `</tt:ContinuousPanTiltVelocitySpace></tt:SupportedPTZSpaces>` +
    `<tt:MaximumNumberOfPresets>${maxPresets}</tt:MaximumNumberOfPresets><tt:HomeSupported>true</tt:HomeSupported>` +
    `</tptz:PTZNode></tptz:GetNodesResponse>`
  );
}

export function configurations(): string {
  return `<tptz:GetConfigurationsResponse>${PTZ_CONFIGURATION}</tptz:GetConfigurationsResponse>`;
}

function ptzVector(v: Vec): string {
  return `<tt:PanTilt x="${n(v.pan)}" y="${n(v.tilt)}" space="${SPACE}PanTiltSpaces/PositionGenericSpace"/>` +
    `<tt:Zoom x="${n(v.zoom)}" space="${SPACE}ZoomSpaces/PositionGenericSpace"/>`;
}

export function status(position: Vec, move: { panTilt: string; zoom: string }, utc: Date): string {
  return (
    `<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>${ptzVector(position)}</tt:Position>` +
    `<tt:MoveStatus><tt:PanTilt>${move.panTilt}</tt:PanTilt><tt:Zoom>${move.zoom}</tt:Zoom></tt:MoveStatus>` +
    `<tt:UtcTime>${utc.toISOString().replace(/\.\d+Z$/, 'Z')}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`
  );
}

export function presets(list: Array<{ token: string; name: string; position: Vec }>): string {
  return (
    `<tptz:GetPresetsResponse>` +
    list.map((p) => `<tptz:Preset token="${x(p.token)}"><tt:Name>${x(p.name)}</tt:Name><tt:PTZPosition>${ptzVector(p.position)}</tt:PTZPosition></tptz:Preset>`).join('') +
    `</tptz:GetPresetsResponse>`
  );
}

export function setPreset(token: string): string {
  return `<tptz:SetPresetResponse><tptz:PresetToken>${x(token)}</tptz:PresetToken></tptz:SetPresetResponse>`;
}

/** The empty `<OpResponse/>` most PTZ operations answer with. */
export function empty(operation: string, prefix: 'tptz' | 'tds' | 'trt' = 'tptz'): string {
  return `<${prefix}:${operation}Response/>`;
}
