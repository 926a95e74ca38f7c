import type { SurveyKind } from './survey-kinds.js';

/** Locales with a full message catalog. Persian is written right to left. */
export const LOCALES = ['en', 'et', 'hr', 'th', 'fa'] as const;
export type Locale = (typeof LOCALES)[number];

export interface Messages {
  readonly dir: 'ltr' | 'rtl';
  readonly subject: string;
  readonly greeting: string;
  readonly greetingAnonymous: string;
  readonly intro: string;
  readonly question: Record<SurveyKind, string>;
  readonly low: Record<SurveyKind, string>;
  readonly high: Record<SurveyKind, string>;
  readonly yourScore: string;
  readonly reason: string;
  readonly submit: string;
  readonly thanksTitle: string;
  readonly thanksBody: string;
  readonly invalidLink: string;
  readonly invalidScore: string;
  readonly confirmTitle: string;
  readonly unsubscribe: string;
  readonly unsubscribeTitle: string;
  readonly unsubscribeConfirm: string;
  /** Heading of the unsubscribe page when the first press carried no evidence of a person (domain/evidence.ts). */
  readonly unsubscribeConfirmTitle: string;
  readonly unsubscribed: string;
}

const CATALOG: Record<Locale, Messages> = {
  en: {
    dir: 'ltr',
    subject: 'A quick question from {brand}',
    greeting: 'Hi {name},',
    greetingAnonymous: 'Hello,',
    intro: 'We would love your feedback. Tap a number:',
    question: {
      nps: 'How likely are you to recommend {brand} to a friend or colleague?',
      enps: 'How likely are you to recommend working here to a friend or family member?',
      csat: 'How satisfied were you with our service?',
      ces: 'How much effort did it take to get your issue resolved?',
    },
    low: { nps: 'Not at all likely', enps: 'Not at all likely', csat: 'Very dissatisfied', ces: 'Very little effort' },
    high: { nps: 'Extremely likely', enps: 'Extremely likely', csat: 'Very satisfied', ces: 'A great deal of effort' },
    yourScore: 'Your score',
    reason: 'What is the main reason for your score?',
    submit: 'Send',
    thanksTitle: 'Thank you!',
    thanksBody: 'Your answer has been recorded. If anything needs our attention, write to {support}.',
    invalidLink: 'This link is not valid or has expired.',
    invalidScore: 'Please choose a score.',
    confirmTitle: 'Please confirm your answer',
    unsubscribe: 'No more survey emails? Unsubscribe',
    unsubscribeTitle: 'Unsubscribe from survey emails',
    unsubscribeConfirm: 'Unsubscribe',
    unsubscribeConfirmTitle: 'Please confirm that you want to unsubscribe',
    unsubscribed: 'You will not receive survey emails from us any more.',
  },
  et: {
    dir: 'ltr',
    subject: 'Üks kiire küsimus: {brand}',
    greeting: 'Tere, {name}!',
    greetingAnonymous: 'Tere!',
    intro: 'Ootame teie tagasisidet. Valige number:',
    question: {
      nps: 'Kui tõenäoliselt soovitaksite {brand} sõbrale või kolleegile?',
      enps: 'Kui tõenäoliselt soovitaksite meil töötamist sõbrale või pereliikmele?',
      csat: 'Kui rahul te meie teenusega olite?',
      ces: 'Kui palju vaeva nõudis teie mure lahendamine?',
    },
    low: { nps: 'Üldse mitte tõenäoline', enps: 'Üldse mitte tõenäoline', csat: 'Väga rahulolematu', ces: 'Väga vähe vaeva' },
    high: { nps: 'Väga tõenäoline', enps: 'Väga tõenäoline', csat: 'Väga rahul', ces: 'Väga palju vaeva' },
    yourScore: 'Teie hinne',
    reason: 'Mis on teie hinde peamine põhjus?',
    submit: 'Saada',
    thanksTitle: 'Aitäh!',
    thanksBody: 'Teie vastus on salvestatud. Kui midagi vajab meie tähelepanu, kirjutage aadressile {support}.',
    invalidLink: 'See link ei kehti või on aegunud.',
    invalidScore: 'Palun valige hinne.',
    confirmTitle: 'Palun kinnitage oma vastus',
    unsubscribe: 'Ei soovi meilt küsitlusi? Loobu tellimusest',
    unsubscribeTitle: 'Küsitluskirjadest loobumine',
    unsubscribeConfirm: 'Loobu',
    unsubscribeConfirmTitle: 'Palun kinnitage, et soovite tellimusest loobuda',
    unsubscribed: 'Te ei saa meilt enam küsitluskirju.',
  },
  hr: {
    dir: 'ltr',
    subject: 'Kratko pitanje: {brand}',
    greeting: 'Pozdrav, {name},',
    greetingAnonymous: 'Pozdrav,',
    intro: 'Zanima nas vaše mišljenje. Odaberite broj:',
    question: {
      nps: 'Koliko je vjerojatno da biste {brand} preporučili prijatelju ili kolegi?',
      enps: 'Koliko je vjerojatno da biste rad kod nas preporučili prijatelju ili članu obitelji?',
      csat: 'Koliko ste zadovoljni našom uslugom?',
      ces: 'Koliko vam je truda trebalo da riješite svoj problem?',
    },
    low: { nps: 'Nimalo vjerojatno', enps: 'Nimalo vjerojatno', csat: 'Vrlo nezadovoljan', ces: 'Vrlo malo truda' },
    high: { nps: 'Izuzetno vjerojatno', enps: 'Izuzetno vjerojatno', csat: 'Vrlo zadovoljan', ces: 'Jako puno truda' },
    yourScore: 'Vaša ocjena',
    reason: 'Koji je glavni razlog vaše ocjene?',
    submit: 'Pošalji',
    thanksTitle: 'Hvala!',
    thanksBody: 'Vaš odgovor je zabilježen. Ako nešto zahtijeva našu pažnju, pišite na {support}.',
    invalidLink: 'Ova poveznica nije valjana ili je istekla.',
    invalidScore: 'Molimo odaberite ocjenu.',
    confirmTitle: 'Molimo potvrdite svoj odgovor',
    unsubscribe: 'Ne želite naše ankete? Odjavite se',
    unsubscribeTitle: 'Odjava od anketa e-poštom',
    unsubscribeConfirm: 'Odjavi me',
    unsubscribeConfirmTitle: 'Molimo potvrdite da se želite odjaviti',
    unsubscribed: 'Više nećete primati naše ankete e-poštom.',
  },
  th: {
    dir: 'ltr',
    subject: 'คำถามสั้น ๆ จาก {brand}',
    greeting: 'สวัสดีคุณ{name}',
    greetingAnonymous: 'สวัสดี',
    intro: 'เราอยากทราบความคิดเห็นของคุณ กรุณาเลือกคะแนน:',
    question: {
      nps: 'คุณมีแนวโน้มที่จะแนะนำ {brand} ให้เพื่อนหรือเพื่อนร่วมงานมากน้อยเพียงใด',
      enps: 'คุณมีแนวโน้มที่จะแนะนำที่นี่ให้เพื่อนหรือครอบครัวมาทำงานมากน้อยเพียงใด',
      csat: 'คุณพึงพอใจกับบริการของเรามากน้อยเพียงใด',
      ces: 'คุณต้องใช้ความพยายามมากเพียงใดในการแก้ไขปัญหาของคุณ',
    },
    low: { nps: 'ไม่แนะนำเลย', enps: 'ไม่แนะนำเลย', csat: 'ไม่พอใจมาก', ces: 'ใช้ความพยายามน้อยมาก' },
    high: { nps: 'แนะนำอย่างยิ่ง', enps: 'แนะนำอย่างยิ่ง', csat: 'พอใจมาก', ces: 'ใช้ความพยายามมาก' },
    yourScore: 'คะแนนของคุณ',
    reason: 'เหตุผลหลักที่คุณให้คะแนนนี้คืออะไร',
    submit: 'ส่ง',
    thanksTitle: 'ขอบคุณ!',
    thanksBody: 'เราได้บันทึกคำตอบของคุณแล้ว หากมีเรื่องใดที่ต้องการความช่วยเหลือ กรุณาติดต่อ {support}',
    invalidLink: 'ลิงก์นี้ไม่ถูกต้องหรือหมดอายุแล้ว',
    invalidScore: 'กรุณาเลือกคะแนน',
    confirmTitle: 'กรุณายืนยันคำตอบของคุณ',
    unsubscribe: 'ไม่ต้องการรับอีเมลแบบสอบถามจากเรา? ยกเลิกการรับ',
    unsubscribeTitle: 'ยกเลิกการรับอีเมลแบบสอบถาม',
    unsubscribeConfirm: 'ยกเลิกการรับ',
    unsubscribeConfirmTitle: 'กรุณายืนยันว่าคุณต้องการยกเลิกการรับ',
    unsubscribed: 'คุณจะไม่ได้รับอีเมลแบบสอบถามจากเราอีก',
  },
  fa: {
    dir: 'rtl',
    subject: 'یک پرسش کوتاه از {brand}',
    greeting: 'سلام {name}،',
    greetingAnonymous: 'سلام،',
    intro: 'نظر شما برای ما مهم است. یک عدد را انتخاب کنید:',
    question: {
      nps: 'چقدر احتمال دارد {brand} را به یک دوست یا همکار توصیه کنید؟',
      enps: 'چقدر احتمال دارد کار در اینجا را به یک دوست یا یکی از اعضای خانواده توصیه کنید؟',
      csat: 'چقدر از خدمات ما راضی بودید؟',
      ces: 'حل مشکل شما چقدر زحمت داشت؟',
    },
    low: { nps: 'اصلاً احتمال ندارد', enps: 'اصلاً احتمال ندارد', csat: 'بسیار ناراضی', ces: 'زحمت بسیار کم' },
    high: { nps: 'احتمال بسیار زیاد', enps: 'احتمال بسیار زیاد', csat: 'بسیار راضی', ces: 'زحمت بسیار زیاد' },
    yourScore: 'امتیاز شما',
    reason: 'دلیل اصلی امتیاز شما چیست؟',
    submit: 'ارسال',
    thanksTitle: 'سپاسگزاریم!',
    thanksBody: 'پاسخ شما ثبت شد. اگر موضوعی نیاز به رسیدگی دارد، به {support} بنویسید.',
    invalidLink: 'این پیوند معتبر نیست یا منقضی شده است.',
    invalidScore: 'لطفاً یک امتیاز انتخاب کنید.',
    confirmTitle: 'لطفاً پاسخ خود را تأیید کنید',
    unsubscribe: 'نمی‌خواهید ایمیل نظرسنجی دریافت کنید؟ لغو اشتراک',
    unsubscribeTitle: 'لغو اشتراک ایمیل‌های نظرسنجی',
    unsubscribeConfirm: 'لغو اشتراک',
    unsubscribeConfirmTitle: 'لطفاً تأیید کنید که می‌خواهید اشتراک را لغو کنید',
    unsubscribed: 'دیگر ایمیل نظرسنجی از ما دریافت نخواهید کرد.',
  },
};

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/**
 * The catalog locale for a requested one: exact ("hr"), then its language ("hr-HR" → "hr"),
 * then the program's default, then English.
 */
export function resolveLocale(requested: string | undefined, fallback: Locale = 'en'): Locale {
  if (!requested) return fallback;
  const lower = requested.toLowerCase();
  if (isLocale(lower)) return lower;
  const language = lower.split(/[-_]/)[0] ?? '';
  return isLocale(language) ? language : fallback;
}

export function messagesFor(locale: Locale): Messages {
  return CATALOG[locale];
}

const PLACEHOLDER = /\{([\w.]+)\}/g;

/** Fills `{placeholders}`; an unknown placeholder is left as it is, so a missing value is visible. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => values[key] ?? whole);
}

/** Fills a template only when every placeholder has a value; otherwise undefined (use a fallback). */
export function fillStrict(template: string, values: Record<string, string>): string | undefined {
  const missing = [...template.matchAll(PLACEHOLDER)].some((m) => values[m[1] as string] === undefined);
  return missing ? undefined : fill(template, values);
}
