//! RIFF: WAV (`fmt `, `fact`, LIST INFO, `id3 `, XMP) and AVI (`avih`, `strh`, `strf`,
//! LIST INFO), as ExifTool's RIFF.pm prints them. The `movi` and `data` chunks are skipped.

use crate::bytes::{le16, le32, text};
use crate::formats::quicktime::conv::{add_image_size, duration, json_str, num};
use crate::model::Metadata;

const G: &str = "riff";

#[derive(Default)]
struct State {
    stream_type: Option<[u8; 4]>,
    frame_rate: Option<f64>,
    frame_count: Option<u64>,
    video_rate: Option<f64>,
    video_count: Option<u64>,
    avg_bytes: Option<u64>,
    width: u64,
    height: u64,
    chunks: usize,
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if data.get(0..4) != Some(b"RIFF") {
        return;
    }
    let mut st = State::default();
    chunks(meta, data, 12, data.len(), 0, &mut st);
    if st.width > 0 && st.height > 0 {
        add_image_size(meta, st.width, st.height);
    }
    // Composite Duration: AVI from the frame count, WAV from the byte rate.
    if let (Some(r), Some(c)) = (st.frame_rate, st.frame_count) {
        if r > 0.0 {
            let mut d = c as f64 / r;
            if let (Some(vr), Some(vc)) = (st.video_rate, st.video_count) {
                if vr > 0.0 && vc > 0 {
                    let d2 = vc as f64 / vr;
                    let rat = d / d2;
                    if rat > 1.9 && rat < 3.1 {
                        d = d2;
                    }
                }
            }
            meta.add("composite", "Duration", duration(d));
        }
    } else if let Some(b) = st.avg_bytes.filter(|b| *b > 0) {
        if st.frame_count.is_none() && st.video_count.is_none() {
            meta.add(
                "composite",
                "Duration",
                duration(data.len() as f64 / b as f64),
            );
        }
    }
}

fn chunks(
    meta: &mut Metadata,
    data: &[u8],
    start: usize,
    end: usize,
    depth: usize,
    st: &mut State,
) {
    if depth > 8 {
        return;
    }
    let end = end.min(data.len());
    let mut pos = start;
    while pos + 8 <= end {
        st.chunks += 1;
        if st.chunks > 100_000 || meta.budget.exceeded() {
            meta.warn("Too many RIFF chunks");
            return;
        }
        let id: [u8; 4] = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let Some(len) = le32(data, pos + 4) else {
            return;
        };
        let len = len as usize;
        let body_start = pos + 8;
        let body_end = body_start.saturating_add(len);
        if body_end > end && &id != b"data" && &id != b"LIST" {
            meta.warn("Truncated RIFF chunk");
        }
        let body = &data[body_start..body_end.min(end)];
        match &id {
            b"LIST" => {
                if let Some(t) = body.get(0..4) {
                    match t {
                        b"INFO" => info(meta, body),
                        b"hdrl" | b"strl" | b"odml" => {
                            if t == b"strl" {
                                st.stream_type = None;
                            }
                            chunks(meta, data, body_start + 4, body_end.min(end), depth + 1, st)
                        }
                        _ => {}
                    }
                }
            }
            b"fmt " => audio_format(meta, body, st),
            b"fact" => {
                if let Some(n) = le32(body, 0) {
                    meta.set(G, "NumberOfSamples", n as u64);
                }
            }
            b"avih" => avih(meta, body, st),
            b"strh" => strh(meta, body, st),
            b"strf" => match st.stream_type.as_ref() {
                Some(b"auds") => audio_format(meta, body, st),
                Some(b"vids") => bmp_header(meta, body),
                _ => {}
            },
            b"dmlh" => {
                if let Some(n) = le32(body, 0) {
                    meta.set(G, "TotalFrameCount", n as u64);
                }
            }
            b"id3 " | b"ID3 " => {
                // ExifTool reads the chunk as an ID3 file: frames, ID3Size, composites
                crate::formats::mp3::id3_only(meta, body);
            }
            b"_PMX" | b"XMP " => crate::formats::xmp::parse(meta, body),
            b"bext" => bext(meta, body),
            b"IDIT" => {
                let s = riff_date(&text(body));
                meta.set(G, "DateTimeOriginal", s);
            }
            _ => {}
        }
        // chunks are padded to an even length
        pos = body_end.saturating_add(len & 1);
    }
}

/// Broadcast Audio Extension ('bext').
fn bext(meta: &mut Metadata, b: &[u8]) {
    let cstr = |off: usize, len: usize| -> Option<String> {
        let raw = b.get(off..(off + len).min(b.len()))?;
        let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
        Some(String::from_utf8_lossy(&raw[..end]).into_owned())
    };
    if b.len() < 256 {
        return;
    }
    if let Some(v) = cstr(0, 256) {
        meta.set(G, "Description", json_str(&v));
    }
    if let Some(v) = cstr(256, 32) {
        meta.set(G, "Originator", json_str(&v));
    }
    if let Some(v) = cstr(288, 32) {
        meta.set(G, "OriginatorReference", json_str(&v));
    }
    if let Some(v) = cstr(320, 18) {
        let mut v = v.replace('-', ":");
        let vb = v.as_bytes();
        if vb.len() >= 10
            && vb[..4].iter().all(u8::is_ascii_digit)
            && vb[4] == b':'
            && vb[7] == b':'
            && vb[5..7].iter().all(u8::is_ascii_digit)
            && vb[8..10].iter().all(u8::is_ascii_digit)
        {
            v.insert(10, ' ');
        }
        meta.set(G, "DateTimeOriginal", v);
    }
    if let (Some(lo), Some(hi)) = (le32(b, 338), le32(b, 342)) {
        meta.set(G, "TimeReference", lo as u64 + hi as u64 * 4_294_967_296);
    }
    if let Some(v) = le16(b, 346) {
        meta.set(G, "BWFVersion", v as u64);
    }
    if let Some(u) = b.get(348..412) {
        let mut hex: String = u.iter().map(|x| format!("{x:02X}")).collect();
        if hex.ends_with(&"0".repeat(64)) {
            hex.truncate(hex.len() - 64);
        }
        meta.set(G, "BWF_UMID", hex);
    }
    if let Some(v) = b.get(602..) {
        let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
        meta.set(
            G,
            "CodingHistory",
            json_str(&String::from_utf8_lossy(&v[..end])),
        );
    }
}

fn audio_encoding(v: u16) -> String {
    let s = match v {
        0x0001 => "Microsoft PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "Microsoft IEEE float",
        0x0004 => "Compaq VSELP",
        0x0005 => "IBM CVSD",
        0x0006 => "Microsoft a-Law",
        0x0007 => "Microsoft u-Law",
        0x0008 => "Microsoft DTS",
        0x0009 => "DRM",
        0x000a => "WMA 9 Speech",
        0x000b => "Microsoft Windows Media RT Voice",
        0x0010 => "OKI-ADPCM",
        0x0011 => "Intel IMA/DVI-ADPCM",
        0x0012 => "Videologic Mediaspace ADPCM",
        0x0013 => "Sierra ADPCM",
        0x0014 => "Antex G.723 ADPCM",
        0x0015 => "DSP Solutions DIGISTD",
        0x0016 => "DSP Solutions DIGIFIX",
        0x0017 => "Dialoic OKI ADPCM",
        0x0018 => "Media Vision ADPCM",
        0x0019 => "HP CU",
        0x001a => "HP Dynamic Voice",
        0x0020 => "Yamaha ADPCM",
        0x0021 => "SONARC Speech Compression",
        0x0022 => "DSP Group True Speech",
        0x0023 => "Echo Speech Corp.",
        0x0024 => "Virtual Music Audiofile AF36",
        0x0025 => "Audio Processing Tech.",
        0x0026 => "Virtual Music Audiofile AF10",
        0x0027 => "Aculab Prosody 1612",
        0x0028 => "Merging Tech. LRC",
        0x0030 => "Dolby AC2",
        0x0031 => "Microsoft GSM610",
        0x0032 => "MSN Audio",
        0x0033 => "Antex ADPCME",
        0x0034 => "Control Resources VQLPC",
        0x0035 => "DSP Solutions DIGIREAL",
        0x0036 => "DSP Solutions DIGIADPCM",
        0x0037 => "Control Resources CR10",
        0x0038 => "Natural MicroSystems VBX ADPCM",
        0x0039 => "Crystal Semiconductor IMA ADPCM",
        0x003a => "Echo Speech ECHOSC3",
        0x003b => "Rockwell ADPCM",
        0x003c => "Rockwell DIGITALK",
        0x003d => "Xebec Multimedia",
        0x0040 => "Antex G.721 ADPCM",
        0x0041 => "Antex G.728 CELP",
        0x0042 => "Microsoft MSG723",
        0x0043 => "IBM AVC ADPCM",
        0x0045 => "ITU-T G.726",
        0x0050 => "Microsoft MPEG",
        0x0051 => "RT23 or PAC",
        0x0052 => "InSoft RT24",
        0x0053 => "InSoft PAC",
        0x0055 => "MP3",
        0x0059 => "Cirrus",
        0x0060 => "Cirrus Logic",
        0x0061 => "ESS Tech. PCM",
        0x0062 => "Voxware Inc.",
        0x0063 => "Canopus ATRAC",
        0x0064 => "APICOM G.726 ADPCM",
        0x0065 => "APICOM G.722 ADPCM",
        0x0066 => "Microsoft DSAT",
        0x0067 => "Microsoft DSAT DISPLAY",
        0x0069 => "Voxware Byte Aligned",
        0x0070 => "Voxware AC8",
        0x0071 => "Voxware AC10",
        0x0072 => "Voxware AC16",
        0x0073 => "Voxware AC20",
        0x0074 => "Voxware MetaVoice",
        0x0075 => "Voxware MetaSound",
        0x0076 => "Voxware RT29HW",
        0x0077 => "Voxware VR12",
        0x0078 => "Voxware VR18",
        0x0079 => "Voxware TQ40",
        0x007a => "Voxware SC3",
        0x007b => "Voxware SC3",
        0x0080 => "Soundsoft",
        0x0081 => "Voxware TQ60",
        0x0082 => "Microsoft MSRT24",
        0x0083 => "AT&T G.729A",
        0x0084 => "Motion Pixels MVI MV12",
        0x0085 => "DataFusion G.726",
        0x0086 => "DataFusion GSM610",
        0x0088 => "Iterated Systems Audio",
        0x0089 => "Onlive",
        0x008a => "Multitude, Inc. FT SX20",
        0x008b => "Infocom ITS A/S G.721 ADPCM",
        0x008c => "Convedia G729",
        0x008d => "Not specified congruency, Inc.",
        0x0091 => "Siemens SBC24",
        0x0092 => "Sonic Foundry Dolby AC3 APDIF",
        0x0093 => "MediaSonic G.723",
        0x0094 => "Aculab Prosody 8kbps",
        0x0097 => "ZyXEL ADPCM",
        0x0098 => "Philips LPCBB",
        0x0099 => "Studer Professional Audio Packed",
        0x00a0 => "Malden PhonyTalk",
        0x00a1 => "Racal Recorder GSM",
        0x00a2 => "Racal Recorder G720.a",
        0x00a3 => "Racal G723.1",
        0x00a4 => "Racal Tetra ACELP",
        0x00b0 => "NEC AAC NEC Corporation",
        0x00ff => "AAC",
        0x0100 => "Rhetorex ADPCM",
        0x0101 => "IBM u-Law",
        0x0102 => "IBM a-Law",
        0x0103 => "IBM ADPCM",
        0x0111 => "Vivo G.723",
        0x0112 => "Vivo Siren",
        0x0120 => "Philips Speech Processing CELP",
        0x0121 => "Philips Speech Processing GRUNDIG",
        0x0123 => "Digital G.723",
        0x0125 => "Sanyo LD ADPCM",
        0x0130 => "Sipro Lab ACEPLNET",
        0x0131 => "Sipro Lab ACELP4800",
        0x0132 => "Sipro Lab ACELP8V3",
        0x0133 => "Sipro Lab G.729",
        0x0134 => "Sipro Lab G.729A",
        0x0135 => "Sipro Lab Kelvin",
        0x0136 => "VoiceAge AMR",
        0x0140 => "Dictaphone G.726 ADPCM",
        0x0150 => "Qualcomm PureVoice",
        0x0151 => "Qualcomm HalfRate",
        0x0155 => "Ring Zero Systems TUBGSM",
        0x0160 => "Microsoft Audio1",
        0x0161 => "Windows Media Audio V2 V7 V8 V9 / DivX audio (WMA) / Alex AC3 Audio",
        0x0162 => "Windows Media Audio Professional V9",
        0x0163 => "Windows Media Audio Lossless V9",
        0x0164 => "WMA Pro over S/PDIF",
        0x0170 => "UNISYS NAP ADPCM",
        0x0171 => "UNISYS NAP ULAW",
        0x0172 => "UNISYS NAP ALAW",
        0x0173 => "UNISYS NAP 16K",
        0x0174 => "MM SYCOM ACM SYC008 SyCom Technologies",
        0x0175 => "MM SYCOM ACM SYC701 G726L SyCom Technologies",
        0x0176 => "MM SYCOM ACM SYC701 CELP54 SyCom Technologies",
        0x0177 => "MM SYCOM ACM SYC701 CELP68 SyCom Technologies",
        0x0178 => "Knowledge Adventure ADPCM",
        0x0180 => "Fraunhofer IIS MPEG2AAC",
        0x0190 => "Digital Theater Systems DTS DS",
        0x0200 => "Creative Labs ADPCM",
        0x0202 => "Creative Labs FASTSPEECH8",
        0x0203 => "Creative Labs FASTSPEECH10",
        0x0210 => "UHER ADPCM",
        0x0215 => "Ulead DV ACM",
        0x0216 => "Ulead DV ACM",
        0x0220 => "Quarterdeck Corp.",
        0x0230 => "I-Link VC",
        0x0240 => "Aureal Semiconductor Raw Sport",
        0x0241 => "ESST AC3",
        0x0250 => "Interactive Products HSX",
        0x0251 => "Interactive Products RPELP",
        0x0260 => "Consistent CS2",
        0x0270 => "Sony SCX",
        0x0271 => "Sony SCY",
        0x0272 => "Sony ATRAC3",
        0x0273 => "Sony SPC",
        0x0280 => "TELUM Telum Inc.",
        0x0281 => "TELUMIA Telum Inc.",
        0x0285 => "Norcom Voice Systems ADPCM",
        0x0300 => "Fujitsu FM TOWNS SND",
        0x0301 => "Fujitsu (not specified)",
        0x0302 => "Fujitsu (not specified)",
        0x0303 => "Fujitsu (not specified)",
        0x0304 => "Fujitsu (not specified)",
        0x0305 => "Fujitsu (not specified)",
        0x0306 => "Fujitsu (not specified)",
        0x0307 => "Fujitsu (not specified)",
        0x0308 => "Fujitsu (not specified)",
        0x0350 => "Micronas Semiconductors, Inc. Development",
        0x0351 => "Micronas Semiconductors, Inc. CELP833",
        0x0400 => "Brooktree Digital",
        0x0401 => "Intel Music Coder (IMC)",
        0x0402 => "Ligos Indeo Audio",
        0x0450 => "QDesign Music",
        0x0500 => "On2 VP7 On2 Technologies",
        0x0501 => "On2 VP6 On2 Technologies",
        0x0680 => "AT&T VME VMPCM",
        0x0681 => "AT&T TCP",
        0x0700 => "YMPEG Alpha (dummy for MPEG-2 compressor)",
        0x08ae => "ClearJump LiteWave (lossless)",
        0x1000 => "Olivetti GSM",
        0x1001 => "Olivetti ADPCM",
        0x1002 => "Olivetti CELP",
        0x1003 => "Olivetti SBC",
        0x1004 => "Olivetti OPR",
        0x1100 => "Lernout & Hauspie",
        0x1101 => "Lernout & Hauspie CELP codec",
        0x1102 => "Lernout & Hauspie SBC codec",
        0x1103 => "Lernout & Hauspie SBC codec",
        0x1104 => "Lernout & Hauspie SBC codec",
        0x1400 => "Norris Comm. Inc.",
        0x1401 => "ISIAudio",
        0x1500 => "AT&T Soundspace Music Compression",
        0x181c => "VoxWare RT24 speech codec",
        0x181e => "Lucent elemedia AX24000P Music codec",
        0x1971 => "Sonic Foundry LOSSLESS",
        0x1979 => "Innings Telecom Inc. ADPCM",
        0x1c07 => "Lucent SX8300P speech codec",
        0x1c0c => "Lucent SX5363S G.723 compliant codec",
        0x1f03 => "CUseeMe DigiTalk (ex-Rocwell)",
        0x1fc4 => "NCT Soft ALF2CD ACM",
        0x2000 => "FAST Multimedia DVM",
        0x2001 => "Dolby DTS (Digital Theater System)",
        0x2002 => "RealAudio 1 / 2 14.4",
        0x2003 => "RealAudio 1 / 2 28.8",
        0x2004 => "RealAudio G2 / 8 Cook (low bitrate)",
        0x2005 => "RealAudio 3 / 4 / 5 Music (DNET)",
        0x2006 => "RealAudio 10 AAC (RAAC)",
        0x2007 => "RealAudio 10 AAC+ (RACP)",
        0x2500 => "Reserved range to 0x2600 Microsoft",
        0x3313 => "makeAVIS (ffvfw fake AVI sound from AviSynth scripts)",
        0x4143 => "Divio MPEG-4 AAC audio",
        0x4201 => "Nokia adaptive multirate",
        0x4243 => "Divio G726 Divio, Inc.",
        0x434c => "LEAD Speech",
        0x564c => "LEAD Vorbis",
        0x5756 => "WavPack Audio",
        0x674f => "Ogg Vorbis (mode 1)",
        0x6750 => "Ogg Vorbis (mode 2)",
        0x6751 => "Ogg Vorbis (mode 3)",
        0x676f => "Ogg Vorbis (mode 1+)",
        0x6770 => "Ogg Vorbis (mode 2+)",
        0x6771 => "Ogg Vorbis (mode 3+)",
        0x7000 => "3COM NBX 3Com Corporation",
        0x706d => "FAAD AAC",
        0x7a21 => "GSM-AMR (CBR, no SID)",
        0x7a22 => "GSM-AMR (VBR, including SID)",
        0xa100 => "Comverse Infosys Ltd. G723 1",
        0xa101 => "Comverse Infosys Ltd. AVQSBC",
        0xa102 => "Comverse Infosys Ltd. OLDSBC",
        0xa103 => "Symbol Technologies G729A",
        0xa104 => "VoiceAge AMR WB VoiceAge Corporation",
        0xa105 => "Ingenient Technologies Inc. G726",
        0xa106 => "ISO/MPEG-4 advanced audio Coding",
        0xa107 => "Encore Software Ltd G726",
        0xa109 => "Speex ACM Codec xiph.org",
        0xdfac => "DebugMode SonicFoundry Vegas FrameServer ACM Codec",
        0xe708 => "Unknown -",
        0xf1ac => "Free Lossless Audio Codec FLAC",
        0xfffe => "Extensible",
        0xffff => "Development",
        _ => "",
    };
    if s.is_empty() {
        format!("Unknown (0x{v:x})")
    } else {
        s.to_string()
    }
}

fn audio_format(meta: &mut Metadata, b: &[u8], st: &mut State) {
    if let Some(e) = le16(b, 0) {
        meta.set(G, "Encoding", audio_encoding(e));
    }
    if let Some(c) = le16(b, 2) {
        meta.set(G, "NumChannels", c as u64);
    }
    if let Some(r) = le32(b, 4) {
        meta.set(G, "SampleRate", r as u64);
    }
    if let Some(a) = le32(b, 8) {
        meta.set(G, "AvgBytesPerSec", a as u64);
        st.avg_bytes = Some(a as u64);
    }
    if let Some(bits) = le16(b, 14) {
        meta.set(G, "BitsPerSample", bits as u64);
    }
}

fn info_name(id: &[u8]) -> Option<&'static str> {
    Some(match id {
        b"AGES" => "Rated",
        b"CMNT" => "Comment",
        b"CODE" => "EncodedBy",
        b"COMM" => "Comments",
        b"DIRC" => "Directory",
        b"DISP" => "SoundSchemeTitle",
        b"DTIM" => "DateTimeOriginal",
        b"GENR" => "Genre",
        b"IARL" => "ArchivalLocation",
        b"IART" => "Artist",
        b"IAS1" => "FirstLanguage",
        b"IAS2" => "SecondLanguage",
        b"IAS3" => "ThirdLanguage",
        b"IAS4" => "FourthLanguage",
        b"IAS5" => "FifthLanguage",
        b"IAS6" => "SixthLanguage",
        b"IAS7" => "SeventhLanguage",
        b"IAS8" => "EighthLanguage",
        b"IAS9" => "NinthLanguage",
        b"IBSU" => "BaseURL",
        b"ICAS" => "DefaultAudioStream",
        b"ICDS" => "CostumeDesigner",
        b"ICMS" => "Commissioned",
        b"ICMT" => "Comment",
        b"ICNM" => "Cinematographer",
        b"ICNT" => "Country",
        b"ICOP" => "Copyright",
        b"ICRD" => "DateCreated",
        b"ICRP" => "Cropped",
        b"IDIM" => "Dimensions",
        b"IDIT" => "DateTimeOriginal",
        b"IDPI" => "DotsPerInch",
        b"IDST" => "DistributedBy",
        b"IEDT" => "EditedBy",
        b"IENC" => "EncodedBy",
        b"IENG" => "Engineer",
        b"IGNR" => "Genre",
        b"IKEY" => "Keywords",
        b"ILGT" => "Lightness",
        b"ILGU" => "LogoURL",
        b"ILIU" => "LogoIconURL",
        b"ILNG" => "Language",
        b"IMBI" => "MoreInfoBannerImage",
        b"IMBU" => "MoreInfoBannerURL",
        b"IMED" => "Medium",
        b"IMIT" => "MoreInfoText",
        b"IMIU" => "MoreInfoURL",
        b"IMUS" => "MusicBy",
        b"INAM" => "Title",
        b"IPDS" => "ProductionDesigner",
        b"IPLT" => "NumColors",
        b"IPRD" => "Product",
        b"IPRO" => "ProducedBy",
        b"IRIP" => "RippedBy",
        b"IRTD" => "Rating",
        b"ISBJ" => "Subject",
        b"ISFT" => "Software",
        b"ISGN" => "SecondaryGenre",
        b"ISHP" => "Sharpness",
        b"ISMP" => "TimeCode",
        b"ISRC" => "Source",
        b"ISRF" => "SourceForm",
        b"ISTD" => "ProductionStudio",
        b"ISTR" => "Starring",
        b"ITCH" => "Technician",
        b"ITRK" => "TrackNumber",
        b"IWMU" => "WatermarkURL",
        b"IWRI" => "WrittenBy",
        b"LANG" => "Language",
        b"LOCA" => "Location",
        b"PRT1" => "Part",
        b"PRT2" => "NumberOfParts",
        b"RATE" => "Rate",
        b"STAR" => "Starring",
        b"STAT" => "Statistics",
        b"TAPE" => "TapeName",
        b"TCDO" => "EndTimecode",
        b"TCOD" => "StartTimecode",
        b"TITL" => "Title",
        b"TLEN" => "Length",
        b"TORG" => "Organization",
        b"TRCK" => "TrackNumber",
        b"TURL" => "URL",
        b"TVER" => "Version",
        b"VMAJ" => "VegasVersionMajor",
        b"VMIN" => "VegasVersionMinor",
        b"YEAR" => "Year",
        _ => return None,
    })
}

fn info(meta: &mut Metadata, body: &[u8]) {
    let mut pos = 4;
    let mut n = 0;
    while pos + 8 <= body.len() && n < 10_000 {
        n += 1;
        let id = &body[pos..pos + 4];
        let len = le32(body, pos + 4).unwrap_or(0) as usize;
        let s = pos + 8;
        let e = s.saturating_add(len).min(body.len());
        let raw = &body[s..e];
        pos = s.saturating_add(len).saturating_add(len & 1);
        let Some(name) = info_name(id) else { continue };
        let mut v = text(raw);
        match id {
            b"ICRD" => v = v.replace('-', ":"),
            b"IDIT" => v = riff_date(&v),
            b"TLEN" => {
                if let Ok(ms) = v.trim().parse::<f64>() {
                    meta.set(
                        G,
                        name,
                        format!(
                            "{} s",
                            crate::formats::quicktime::conv::perl_num(ms / 1000.0)
                        ),
                    );
                    continue;
                }
            }
            _ => {}
        }
        meta.set(G, name, json_str(&v));
    }
}

/// ExifTool's ConvertRIFFDate.
fn riff_date(v: &str) -> String {
    let parts: Vec<&str> = v.split_whitespace().collect();
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if parts.len() >= 5 {
        let m = parts[1];
        let norm: String = m
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        if let Some(i) = MON.iter().position(|x| *x == norm) {
            let y: i64 = parts[4].parse().unwrap_or(0);
            let d: i64 = parts[2].parse().unwrap_or(0);
            return format!("{:04}:{:02}:{:02} {}", y, i + 1, d, parts[3]);
        }
    }
    // "2002-12-16  15:35:01" / "2002/12/16 15:35:01"
    let b = v.as_bytes();
    if b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && (b[4] == b'-' || b[4] == b'/') {
        let rest = &v[5..];
        let mut it = rest.splitn(2, ['-', '/']);
        if let (Some(mo), Some(tail)) = (it.next(), it.next()) {
            let mut t2 = tail.split_whitespace();
            if let (Some(d), Some(t)) = (t2.next(), t2.next()) {
                if t.matches(':').count() == 2 {
                    return format!("{}:{}:{} {}", &v[..4], mo, d, t);
                }
            }
        }
    }
    v.to_string()
}

fn avih(meta: &mut Metadata, b: &[u8], st: &mut State) {
    if let Some(us) = le32(b, 0) {
        if us != 0 {
            let r = 1e6 / us as f64;
            st.frame_rate = Some(r);
            meta.set(G, "FrameRate", num((r * 1000.0 + 0.5).floor() / 1000.0));
        }
    }
    if let Some(m) = le32(b, 4) {
        meta.set(
            G,
            "MaxDataRate",
            format!(
                "{} kB/s",
                crate::formats::quicktime::conv::fmt_g(m as f64 / 1024.0, 4)
            ),
        );
    }
    if let Some(c) = le32(b, 16) {
        st.frame_count = Some(c as u64);
        meta.set(G, "FrameCount", c as u64);
    }
    if let Some(c) = le32(b, 24) {
        meta.set(G, "StreamCount", c as u64);
    }
    if let Some(w) = le32(b, 32) {
        meta.set(G, "ImageWidth", w as u64);
        st.width = w as u64;
    }
    if let Some(h) = le32(b, 36) {
        meta.set(G, "ImageHeight", h as u64);
        st.height = h as u64;
    }
}

fn strh(meta: &mut Metadata, b: &[u8], st: &mut State) {
    let Some(t) = b.get(0..4) else { return };
    let ty: [u8; 4] = [t[0], t[1], t[2], t[3]];
    st.stream_type = Some(ty);
    // PRIORITY 0: the first stream's values are kept.
    let tname = match &ty {
        b"auds" => "Audio".to_string(),
        b"mids" => "MIDI".to_string(),
        b"txts" => "Text".to_string(),
        b"vids" => "Video".to_string(),
        b"iavs" => "Interleaved Audio+Video".to_string(),
        _ => text(t),
    };
    meta.add(G, "StreamType", tname);
    if let Some(c) = b.get(4..8) {
        let name = match &ty {
            b"auds" => "AudioCodec",
            b"vids" => "VideoCodec",
            _ => "Codec",
        };
        meta.add(G, name, json_str(&text(c)));
    }
    let (scale, rate) = (le32(b, 20), le32(b, 24));
    if let (Some(scale), Some(rate)) = (scale, rate) {
        match &ty {
            b"auds" => {
                let v = if scale != 0 && rate != 0 {
                    rate as f64 / scale as f64
                } else {
                    0.0
                };
                meta.add(G, "AudioSampleRate", num((v * 100.0 + 0.5).floor() / 100.0));
            }
            b"vids" => {
                if scale != 0 && rate != 0 {
                    let v = rate as f64 / scale as f64;
                    if st.video_rate.is_none() {
                        st.video_rate = Some(v);
                    }
                    meta.add(
                        G,
                        "VideoFrameRate",
                        num((v * 1000.0 + 0.5).floor() / 1000.0),
                    );
                }
            }
            _ => {
                let v = if scale != 0 && rate != 0 {
                    rate as f64 / scale as f64
                } else {
                    0.0
                };
                meta.add(
                    G,
                    "StreamSampleRate",
                    num((v * 1000.0 + 0.5).floor() / 1000.0),
                );
            }
        }
    }
    if let Some(n) = le32(b, 32) {
        let name = match &ty {
            b"auds" => "AudioSampleCount",
            b"vids" => {
                if st.video_count.is_none() {
                    st.video_count = Some(n as u64);
                }
                "VideoFrameCount"
            }
            _ => "StreamSampleCount",
        };
        meta.add(G, name, n as u64);
    }
    if let Some(q) = le32(b, 40) {
        if q == 0xffff_ffff {
            meta.add(G, "Quality", "Default");
        } else {
            meta.add(G, "Quality", q as u64);
        }
    }
    if let Some(s) = le32(b, 44) {
        let v = match s {
            0 => "Variable".to_string(),
            1 => "1 byte".to_string(),
            n => format!("{n} bytes"),
        };
        meta.add(G, "SampleSize", v);
    }
}

/// The BITMAPINFOHEADER of a video stream: ExifTool reads it with its BMP table (group `File`).
fn bmp_header(meta: &mut Metadata, b: &[u8]) {
    const F: &str = "file";
    let Some(size) = le32(b, 0) else { return };
    let ver = match size {
        40 => "Windows V3",
        68 => "AVI BMP structure?",
        108 => "Windows V4",
        124 => "Windows V5",
        12 => "OS/2 V1",
        64 => "OS/2 V2",
        _ => "",
    };
    if !ver.is_empty() {
        meta.add(F, "BMPVersion", ver);
    }
    if size < 40 {
        return;
    }
    if let Some(w) = le32(b, 4) {
        meta.add(F, "ImageWidth", w as i32 as i64);
    }
    if let Some(h) = le32(b, 8) {
        meta.add(F, "ImageHeight", (h as i32 as i64).abs());
    }
    if let Some(p) = le16(b, 12) {
        meta.add(F, "Planes", p as u64);
    }
    if let Some(d) = le16(b, 14) {
        meta.add(F, "BitDepth", d as u64);
    }
    if let Some(c) = b.get(16..20) {
        let n = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let v = match n {
            0 => "None".to_string(),
            1 => "8-Bit RLE".to_string(),
            2 => "4-Bit RLE".to_string(),
            3 => "Bitfields".to_string(),
            4 => "JPEG".to_string(),
            5 => "PNG".to_string(),
            _ => text(c),
        };
        meta.add(F, "Compression", json_str(&v));
    }
    for (off, name) in [
        (20, "ImageLength"),
        (24, "PixelsPerMeterX"),
        (28, "PixelsPerMeterY"),
    ] {
        if let Some(v) = le32(b, off) {
            meta.add(F, name, v as u64);
        }
    }
    if let Some(v) = le32(b, 32) {
        if v == 0 {
            meta.add(F, "NumColors", "Use BitDepth");
        } else {
            meta.add(F, "NumColors", v as u64);
        }
    }
    if let Some(v) = le32(b, 36) {
        if v == 0 {
            meta.add(F, "NumImportantColors", "All");
        } else {
            meta.add(F, "NumImportantColors", v as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn ck(id: &[u8], p: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        v.extend_from_slice(p);
        if p.len() % 2 == 1 {
            v.push(0);
        }
        v
    }
    fn riff(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    fn sample_wav() -> Vec<u8> {
        let mut fmt = Vec::new();
        for v in [1u16, 2] {
            fmt.extend_from_slice(&v.to_le_bytes());
        }
        fmt.extend_from_slice(&44100u32.to_le_bytes());
        fmt.extend_from_slice(&176_400u32.to_le_bytes());
        fmt.extend_from_slice(&4u16.to_le_bytes());
        fmt.extend_from_slice(&16u16.to_le_bytes());
        let mut info = b"INFO".to_vec();
        info.extend(ck(b"INAM", b"Wav Title\0"));
        info.extend(ck(b"ICRD", b"2024-03-15\0"));
        info.extend(ck(b"ISFT", b"Lavf\0"));
        let body = [
            ck(b"fmt ", &fmt),
            ck(b"data", &[0; 1000]),
            ck(b"LIST", &info),
        ]
        .concat();
        riff(b"WAVE", &body)
    }

    #[test]
    fn reads_wav() {
        let d = sample_wav();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("riff", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("Encoding"), json!("Microsoft PCM"));
        assert_eq!(g("NumChannels"), json!(2));
        assert_eq!(g("SampleRate"), json!(44100));
        assert_eq!(g("AvgBytesPerSec"), json!(176400));
        assert_eq!(g("BitsPerSample"), json!(16));
        assert_eq!(g("Title"), json!("Wav Title"));
        assert_eq!(g("DateCreated"), json!("2024:03:15"));
        assert_eq!(g("Software"), json!("Lavf"));
        assert_eq!(m.get("composite", "Duration"), Some(&json!("0.01 s")));
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    fn sample_avi() -> Vec<u8> {
        let mut avih = Vec::new();
        for v in [
            40000u32, 100_000, 0, 0x10, 50, 0, 2, 0, 320, 240, 0, 0, 0, 0,
        ] {
            avih.extend_from_slice(&v.to_le_bytes());
        }
        let mut strh = b"vidsMJPG".to_vec();
        for v in [0u32, 0, 0, 1, 25, 0, 50, 0, 0xffff_ffff, 0, 0, 0] {
            strh.extend_from_slice(&v.to_le_bytes());
        }
        let mut strf = Vec::new();
        strf.extend_from_slice(&40u32.to_le_bytes());
        strf.extend_from_slice(&320u32.to_le_bytes());
        strf.extend_from_slice(&240u32.to_le_bytes());
        strf.extend_from_slice(&1u16.to_le_bytes());
        strf.extend_from_slice(&24u16.to_le_bytes());
        strf.extend_from_slice(b"MJPG");
        strf.extend_from_slice(&230_400u32.to_le_bytes());
        strf.extend_from_slice(&[0; 16]);
        let strl = [b"strl".to_vec(), ck(b"strh", &strh), ck(b"strf", &strf)].concat();
        let hdrl = [b"hdrl".to_vec(), ck(b"avih", &avih), ck(b"LIST", &strl)].concat();
        let movi = [b"movi".to_vec(), ck(b"00dc", &[0xff, 0xd8, 0xff, 0xd9])].concat();
        riff(b"AVI ", &[ck(b"LIST", &hdrl), ck(b"LIST", &movi)].concat())
    }

    #[test]
    fn reads_avi() {
        let d = sample_avi();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("riff", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("FrameRate"), json!(25));
        assert_eq!(g("MaxDataRate"), json!("97.66 kB/s"));
        assert_eq!(g("FrameCount"), json!(50));
        assert_eq!(g("ImageWidth"), json!(320));
        assert_eq!(g("StreamType"), json!("Video"));
        assert_eq!(g("VideoCodec"), json!("MJPG"));
        assert_eq!(g("VideoFrameRate"), json!(25));
        assert_eq!(g("Quality"), json!("Default"));
        assert_eq!(g("SampleSize"), json!("Variable"));
        assert_eq!(m.get("file", "Compression"), Some(&json!("MJPG")));
        assert_eq!(m.get("file", "BMPVersion"), Some(&json!("Windows V3")));
        assert_eq!(m.get("composite", "Duration"), Some(&json!("2.00 s")));
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
