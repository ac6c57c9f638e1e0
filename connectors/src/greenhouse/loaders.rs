//! Batch loaders that turn v3 records into the documented output shapes, spending as few
//! calls as possible: ids are batched 50 per request and names are resolved in one go.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use hirewire_sdk::ActionError;

use super::client::GreenhouseClient;
use super::models::{
    Application, ApplicationStage, Candidate, CandidateEducation, CustomFieldOption, Interview, Interviewer, Job,
    JobInterviewStage, Offer, User,
};
use super::output::{
    ApplicationOut, CandidateOut, EducationOut, InterviewOut, InterviewerOut, JobOut, OfferOut, StageOut, UserOut,
};

/// A candidate without its educations yet.
#[must_use]
pub fn candidate_out(c: Candidate, educations: Vec<EducationOut>) -> CandidateOut {
    CandidateOut {
        id: c.id,
        first_name: c.first_name,
        last_name: c.last_name,
        company: c.company,
        title: c.title,
        email_addresses: c.email_addresses,
        phone_numbers: c.phone_numbers,
        tags: c.tags,
        educations,
        custom_fields: c.custom_fields,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// An application with its stage name.
#[must_use]
pub fn application_out(a: Application, stage_name: Option<String>) -> ApplicationOut {
    ApplicationOut {
        id: a.id,
        candidate_id: a.candidate_id,
        job_id: a.job_id,
        status: a.status,
        stage_id: a.stage_id,
        stage_name: stage_name.or(a.stage_name),
        prospect: a.prospect,
        applied_at: a.created_at,
        rejected_at: a.rejected_at,
    }
}

/// A job.
#[must_use]
pub fn job_out(j: Job) -> JobOut {
    JobOut {
        id: j.id,
        name: j.name,
        status: j.status,
        requisition_id: j.requisition_id,
    }
}

/// An offer.
#[must_use]
pub fn offer_out(o: Offer) -> OfferOut {
    OfferOut {
        id: o.id,
        application_id: o.application_id,
        status: o.status,
        sent_on: o.sent_on,
        starts_on: o.starts_on,
        resolved_at: o.resolved_at,
        created_at: o.created_at,
    }
}

/// A user.
#[must_use]
pub fn user_out(u: User) -> UserOut {
    UserOut {
        id: u.id,
        name: u.name,
        first_name: u.first_name,
        last_name: u.last_name,
        primary_email: u.primary_email,
        employee_id: u.employee_id,
        site_admin: u.site_admin,
        deactivated: u.deactivated,
    }
}

/// Educations by candidate, with degree, discipline and school names (2 calls per 50 candidates).
///
/// # Errors
/// API errors.
pub async fn educations(
    client: &GreenhouseClient,
    candidate_ids: &[i64],
) -> Result<HashMap<i64, Vec<EducationOut>>, ActionError> {
    if candidate_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<CandidateEducation> = client
        .list_by_ids("/v3/candidate_educations", "candidate_ids", candidate_ids, &[])
        .await?;
    let option_ids: Vec<i64> = rows
        .iter()
        .flat_map(|e| {
            [
                e.degree_custom_field_option_id,
                e.discipline_custom_field_option_id,
                e.school_name_custom_field_option_id,
            ]
        })
        .flatten()
        .collect();
    let names: HashMap<i64, String> = if option_ids.is_empty() {
        HashMap::new()
    } else {
        client
            .list_by_ids::<CustomFieldOption>("/v3/custom_field_options", "ids", &option_ids, &[])
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    };
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned());
    let mut out: HashMap<i64, Vec<EducationOut>> = HashMap::new();
    for e in rows {
        out.entry(e.candidate_id).or_default().push(EducationOut {
            degree: name(e.degree_custom_field_option_id),
            discipline: name(e.discipline_custom_field_option_id),
            school_name: name(e.school_name_custom_field_option_id),
            start_date: e.start_date,
            end_date: e.end_date,
        });
    }
    Ok(out)
}

/// Full candidates by id, in the order of `ids` (missing ids are skipped).
///
/// # Errors
/// API errors.
pub async fn candidates(client: &GreenhouseClient, ids: &[i64]) -> Result<Vec<CandidateOut>, ActionError> {
    let records: Vec<Candidate> = client.list_by_ids("/v3/candidates", "ids", ids, &[]).await?;
    with_educations(client, records).await
}

/// Adds educations to candidate records.
///
/// # Errors
/// API errors.
pub async fn with_educations(
    client: &GreenhouseClient,
    records: Vec<Candidate>,
) -> Result<Vec<CandidateOut>, ActionError> {
    let ids: Vec<i64> = records.iter().map(|c| c.id).collect();
    let mut educations = educations(client, &ids).await?;
    Ok(records
        .into_iter()
        .map(|c| {
            let e = educations.remove(&c.id).unwrap_or_default();
            candidate_out(c, e)
        })
        .collect())
}

/// Stage names by job interview stage id.
///
/// # Errors
/// API errors.
pub async fn stage_names(client: &GreenhouseClient, stage_ids: &[i64]) -> Result<HashMap<i64, String>, ActionError> {
    if stage_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let stages: Vec<JobInterviewStage> = client
        .list_by_ids("/v3/job_interview_stages", "ids", stage_ids, &[])
        .await?;
    Ok(stages.into_iter().filter_map(|s| Some((s.id, s.name?))).collect())
}

/// Applications by id, with stage names.
///
/// # Errors
/// API errors.
pub async fn applications(client: &GreenhouseClient, ids: &[i64]) -> Result<Vec<ApplicationOut>, ActionError> {
    let records: Vec<Application> = client.list_by_ids("/v3/applications", "ids", ids, &[]).await?;
    named_applications(client, records).await
}

/// Adds stage names to application records (only looked up when the record lacks one).
///
/// # Errors
/// API errors.
pub async fn named_applications(
    client: &GreenhouseClient,
    records: Vec<Application>,
) -> Result<Vec<ApplicationOut>, ActionError> {
    let missing: Vec<i64> = records
        .iter()
        .filter(|a| a.stage_name.is_none())
        .filter_map(|a| a.stage_id)
        .collect();
    let names = stage_names(client, &missing).await?;
    Ok(records
        .into_iter()
        .map(|a| {
            let name = a.stage_id.and_then(|s| names.get(&s).cloned());
            application_out(a, name)
        })
        .collect())
}

/// Jobs by id.
///
/// # Errors
/// API errors.
pub async fn jobs(client: &GreenhouseClient, ids: &[i64]) -> Result<HashMap<i64, JobOut>, ActionError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let records: Vec<Job> = client.list_by_ids("/v3/jobs", "ids", ids, &[]).await?;
    Ok(records.into_iter().map(|j| (j.id, job_out(j))).collect())
}

/// The current offer (highest version, then newest) of each application.
///
/// # Errors
/// API errors.
pub async fn current_offers(
    client: &GreenhouseClient,
    application_ids: &[i64],
) -> Result<HashMap<i64, OfferOut>, ActionError> {
    let records: Vec<Offer> = client
        .list_by_ids("/v3/offers", "application_ids", application_ids, &[])
        .await?;
    let mut best: HashMap<i64, Offer> = HashMap::new();
    for o in records {
        let replace = best
            .get(&o.application_id)
            .is_none_or(|b| (o.version, o.id) > (b.version, b.id));
        if replace {
            best.insert(o.application_id, o);
        }
    }
    Ok(best.into_iter().map(|(k, o)| (k, offer_out(o))).collect())
}

/// Interviewers of `interviews` with names and emails (interviewers, then users: 2 calls per 50).
///
/// # Errors
/// API errors.
pub async fn interviewers_by_interview(
    client: &GreenhouseClient,
    interview_ids: &[i64],
) -> Result<HashMap<i64, Vec<InterviewerOut>>, ActionError> {
    if interview_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut rows: Vec<Interviewer> = client
        .list_by_ids("/v3/interviewers", "interview_ids", interview_ids, &[])
        .await?;
    rows.sort_by_key(|r| r.id);
    let user_ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    let users: HashMap<i64, User> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        client
            .list_by_ids::<User>("/v3/users", "ids", &user_ids, &[])
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let mut out: HashMap<i64, Vec<InterviewerOut>> = HashMap::new();
    for r in rows {
        let user = r.user_id.and_then(|id| users.get(&id));
        out.entry(r.interview_id).or_default().push(InterviewerOut {
            user_id: r.user_id,
            name: user.and_then(|u| u.name.clone()),
            email: r.email.or_else(|| user.and_then(|u| u.primary_email.clone())),
            response_status: r.response_status,
        });
    }
    Ok(out)
}

/// Interviews with their interviewers.
///
/// # Errors
/// API errors.
pub async fn interviews_out(
    client: &GreenhouseClient,
    interviews: Vec<Interview>,
) -> Result<Vec<InterviewOut>, ActionError> {
    let ids: Vec<i64> = interviews.iter().map(|i| i.id).collect();
    let mut people = interviewers_by_interview(client, &ids).await?;
    Ok(interviews
        .into_iter()
        .map(|i| InterviewOut {
            interviewers: people.remove(&i.id).unwrap_or_default(),
            id: i.id,
            application_id: i.application_id,
            job_id: i.job_id,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            status: i.status,
            location: i.location,
            video_conferencing_url: i.video_conferencing_url,
        })
        .collect())
}

/// Everyone who interviewed for `application_id`, each person once.
///
/// # Errors
/// API errors.
pub async fn interviewers_of_application(
    client: &GreenhouseClient,
    application_id: i64,
) -> Result<Vec<InterviewerOut>, ActionError> {
    let interviews: Vec<Interview> = client
        .list_by_ids("/v3/interviews", "application_ids", &[application_id], &[])
        .await?;
    let ids: Vec<i64> = interviews.iter().map(|i| i.id).collect();
    let by_interview = interviewers_by_interview(client, &ids).await?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for id in ids {
        for person in by_interview.get(&id).into_iter().flatten() {
            let key = person
                .user_id
                .map_or_else(|| person.email.clone().unwrap_or_default(), |u| u.to_string());
            if seen.insert(key) {
                out.push(person.clone());
            }
        }
    }
    Ok(out)
}

/// The stage an application was in before the one it entered at `stage_row`, from its
/// `/v3/application_stages` history.
#[must_use]
pub fn previous_stage(history: &[ApplicationStage], entered: &ApplicationStage) -> Option<i64> {
    let key = |r: &ApplicationStage| {
        (
            r.entered_at
                .clone()
                .or_else(|| r.created_at.clone())
                .unwrap_or_default(),
            r.id,
        )
    };
    let this = key(entered);
    history
        .iter()
        .filter(|r| r.application_id == entered.application_id && key(r) < this)
        .max_by_key(|r| key(r))
        .map(|r| r.job_interview_stage_id)
}

/// A stage with its name.
#[must_use]
pub fn stage_out(id: i64, names: &HashMap<i64, String>) -> StageOut {
    StageOut {
        id,
        name: names.get(&id).cloned(),
    }
}

/// Reads an `i64` at `path` (`["application", "id"]`) of a JSON value.
#[must_use]
pub fn i64_at(value: &Value, path: &[&str]) -> Option<i64> {
    path.iter().try_fold(value, |v, k| v.get(k))?.as_i64()
}
