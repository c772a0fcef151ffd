/** The part of `sax` (1.x, no bundled types) that drivers/onvif/xml.ts uses. */
declare module 'sax' {
  interface Tag {
    name: string;
    attributes: Record<string, string>;
  }
  interface SAXParser {
    position: number;
    onerror: (err: Error) => void;
    ondoctype: (doctype: string) => void;
    onopentag: (tag: Tag) => void;
    onclosetag: (name: string) => void;
    ontext: (text: string) => void;
    oncdata: (text: string) => void;
    write(chunk: string): SAXParser;
    close(): SAXParser;
  }
  const sax: { parser(strict: boolean, options?: { strictEntities?: boolean; position?: boolean }): SAXParser };
  export default sax;
}
