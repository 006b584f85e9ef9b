import type { StatementInput } from '#domain';

/**
 * The demo data set: a short China–Turkey timeline around Xinjiang, 2019–2022, built from the public
 * reporting listed in each statement's sources. Ids are fixed so that loading it twice records nothing new.
 */
export interface DemoStatement {
  id: string;
  input: StatementInput;
  respondsTo?: string;
}

const TURKISH_MINUTE = {
  url: 'https://turkishminute.com/2019/05/17/china-seeks-turkeys-support-in-fight-against-terrorism-in-uighur-region',
  outlet: 'Turkish Minute',
  publishedAt: '2019-05-17T00:00:00Z',
  via: 'Reuters',
};
const TRT_WORLD = {
  url: 'https://trtworld.com/turkey/china-asks-turkey-to-support-its-fight-against-militants-26716',
  outlet: 'TRT World',
};

export const TURKEY_AT_UNHRC = 'fe5d6844-6ebc-4c18-9932-f95a0f54d12c';
export const WANG_YI_RESPECTS_SOVEREIGNTY = '41252e44-423d-421b-b7b8-3a7e1c5a0b68';
export const WANG_YI_CORE_INTERESTS = '5ed51eb0-188d-4167-8bad-8088c7bff843';
export const ONAL_SUPPORTS_CHINA = '7e87d5de-798e-4af3-9043-3cd3bef79450';
export const BEIJING_DERADICALIZATION = 'd3ea628e-ec1e-463c-9c71-25a3fa3ede67';
export const WANG_YI_ANKARA_2021 = 'b75b6041-21d3-4b94-8b0c-2fea09b0b485';
export const WANG_YI_MUTUAL_SUPPORT_2022 = '6e5aabd5-930a-4a88-8296-bc13536b59f0';

export const demoStatements: DemoStatement[] = [
  {
    id: TURKEY_AT_UNHRC,
    input: {
      occurredOn: '2019-02',
      speaker: {
        name: 'Government of Turkey',
        role: 'delegation to the UN Human Rights Council',
        country: 'TR',
      },
      targets: ['CN'],
      topics: ['xinjiang', 'uyghurs', 'human-rights', 'china-turkey-relations'],
      cameoCode: '110',
      text: 'Turkey raised its concern over the situation of the Uyghurs in Xinjiang before the UN Human Rights Council.',
      attribution: 'SUMMARY',
      language: 'en',
      location: { city: 'Geneva', country: 'CH' },
      sources: [TURKISH_MINUTE],
    },
  },
  {
    id: WANG_YI_RESPECTS_SOVEREIGNTY,
    input: {
      occurredOn: '2019-05-16',
      speaker: {
        name: 'Wang Yi',
        role: 'State Councilor',
        country: 'CN',
        organization: 'Ministry of Foreign Affairs',
      },
      targets: ['TR'],
      topics: ['sovereignty', 'china-turkey-relations'],
      cameoCode: '051',
      text:
        'China has always respected the sovereignty and territorial integrity of Turkey and backs its efforts ' +
        'to keep the country secure and stable (meeting Deputy Foreign Minister Sedat Önal in Beijing).',
      attribution: 'PARAPHRASE',
      language: 'en',
      location: { city: 'Beijing', country: 'CN' },
      sources: [
        { ...TURKISH_MINUTE, via: 'Chinese Foreign Ministry statement, reported by Reuters' },
        { ...TRT_WORLD, via: 'Chinese Foreign Ministry statement' },
      ],
    },
  },
  {
    id: WANG_YI_CORE_INTERESTS,
    respondsTo: TURKEY_AT_UNHRC,
    input: {
      occurredOn: '2019-05-16',
      speaker: {
        name: 'Wang Yi',
        role: 'State Councilor',
        country: 'CN',
        organization: 'Ministry of Foreign Affairs',
      },
      targets: ['TR'],
      topics: ['xinjiang', 'counter-terrorism', 'sovereignty', 'china-turkey-relations'],
      cameoCode: '020',
      text:
        'It is hoped that the Turkish side can also earnestly respect China’s core interests in safeguarding ' +
        'national sovereignty and security, and support China’s efforts to combat the ‘East Turkistan’ ' +
        'terrorist forces.',
      attribution: 'DIRECT_QUOTE',
      language: 'en',
      location: { city: 'Beijing', country: 'CN' },
      sources: [
        { ...TURKISH_MINUTE, via: 'Chinese Foreign Ministry statement, reported by Reuters' },
        { ...TRT_WORLD, via: 'Chinese Foreign Ministry statement' },
      ],
    },
  },
  {
    id: ONAL_SUPPORTS_CHINA,
    respondsTo: WANG_YI_CORE_INTERESTS,
    input: {
      occurredOn: '2019-05-16',
      speaker: {
        name: 'Sedat Önal',
        role: 'Deputy Foreign Minister',
        country: 'TR',
        organization: 'Ministry of Foreign Affairs',
      },
      targets: ['CN'],
      topics: ['xinjiang', 'counter-terrorism', 'china-turkey-relations'],
      cameoCode: '030',
      text:
        'Turkey backs China in safeguarding its national unity and fighting “terrorist forces”, and is ready ' +
        'to deepen practical cooperation with China.',
      attribution: 'PARAPHRASE',
      language: 'en',
      location: { city: 'Beijing', country: 'CN' },
      sources: [
        { ...TURKISH_MINUTE, via: 'cited by the Chinese Foreign Ministry, reported by Reuters' },
        { ...TRT_WORLD, via: 'cited by the Chinese Foreign Ministry' },
      ],
    },
  },
  {
    id: BEIJING_DERADICALIZATION,
    input: {
      occurredOn: '2019-05',
      speaker: { name: 'Government of China', country: 'CN' },
      topics: ['xinjiang', 'counter-terrorism', 'uyghurs'],
      cameoCode: '010',
      text:
        'Beijing says its de-radicalisation work in Xinjiang has brought unprecedented stability, citing the ' +
        'absence of violent attacks in roughly the past two years.',
      attribution: 'SUMMARY',
      language: 'en',
      location: { city: 'Beijing', country: 'CN' },
      sources: [TURKISH_MINUTE],
    },
  },
  {
    id: WANG_YI_ANKARA_2021,
    input: {
      occurredOn: '2021-03-25',
      speaker: {
        name: 'Wang Yi',
        role: 'Foreign Minister',
        country: 'CN',
        organization: 'Ministry of Foreign Affairs',
      },
      targets: ['TR'],
      topics: ['xinjiang', 'counter-terrorism', 'sovereignty', 'china-turkey-relations'],
      cameoCode: '042',
      text:
        'Meeting Foreign Minister Mevlüt Çavuşoğlu in Ankara, Wang Yi presented Xinjiang policy as a matter of ' +
        'fighting terrorism and separatism; the Chinese ministry’s readout says Ankara will abide by the ' +
        'one-China principle.',
      attribution: 'READOUT',
      language: 'en',
      location: { city: 'Ankara', country: 'TR' },
      sources: [
        {
          url: 'https://collection.news/appledaily/articles/HSNN3RNJN5GRRCALFDWJR26LAU',
          outlet: 'Apple Daily',
          via: 'Chinese Foreign Ministry readout',
        },
      ],
    },
  },
  {
    id: WANG_YI_MUTUAL_SUPPORT_2022,
    input: {
      occurredOn: '2022-01-12',
      speaker: {
        name: 'Wang Yi',
        role: 'Foreign Minister',
        country: 'CN',
        organization: 'Ministry of Foreign Affairs',
      },
      targets: ['TR'],
      topics: ['sovereignty', 'china-turkey-relations'],
      cameoCode: '020',
      text:
        'The two sides should support each other on issues of sovereignty, security and development, and ' +
        'refrain from acting against each other on international occasions (to Foreign Minister Mevlüt Çavuşoğlu).',
      attribution: 'DIRECT_QUOTE',
      language: 'en',
      sources: [
        {
          url: 'https://www.scmp.com/news/china/diplomacy/article/3163230/china-urges-turkey-respect-sovereignty-beijings-worries-over',
          outlet: 'South China Morning Post',
          via: 'Chinese Foreign Ministry statement',
        },
      ],
    },
  },
];
